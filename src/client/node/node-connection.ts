import WebSocket from 'ws';
import { CohoraConnection, type ConnectionOptions } from '../cohora-connection.js';
import type { SocketConstructor } from '../socket-like.js';

/** The connection for Node: the `ws` package's WebSocket unless another one is passed. */
export class NodeCohoraConnection extends CohoraConnection {
  constructor(options: ConnectionOptions) {
    super({ WebSocket: WebSocket as unknown as SocketConstructor, ...options });
  }
}

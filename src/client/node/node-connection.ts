import { CohoraConnection, type ConnectionOptions } from '../cohora-connection.js';
import { V1FallbackSocket } from './v1-fallback-socket.js';

/** The connection for Node: the `ws` package's WebSocket (finding a v1 server as a browser does) unless another one is passed. */
export class NodeCohoraConnection extends CohoraConnection {
  constructor(options: ConnectionOptions) {
    super({ WebSocket: V1FallbackSocket, ...options });
  }
}

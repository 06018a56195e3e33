import WebSocket from 'ws';
import { CohoraConnection, type ConnectionOptions } from '../cohora-connection.js';
import type { SocketConstructor } from '../socket-like.js';

/** What `ws` says when it offered a subprotocol and the server selected none. */
const NO_SUBPROTOCOL = 'Server sent no subprotocol';

/**
 * `ws`, made to find a server without v2 as a browser does. A browser opens a socket whose
 * offered subprotocol the server did not select (`protocol === ''`); `ws` fails the handshake
 * instead. After one such failure this connection's sockets offer none, so the next attempt
 * is a v1 socket (and sends go over REST).
 */
function wsFallingBackToV1(): SocketConstructor {
  let offer = true;
  return class extends WebSocket {
    constructor(url: string, protocols?: string[]) {
      super(url, offer ? protocols : undefined);
      this.on('error', (error: Error) => {
        if (error.message === NO_SUBPROTOCOL) offer = false;
      });
    }
  } as unknown as SocketConstructor;
}

/** The connection for Node: the `ws` package's WebSocket unless another one is passed. */
export class NodeCohoraConnection extends CohoraConnection {
  constructor(options: ConnectionOptions) {
    super({ WebSocket: wsFallingBackToV1(), ...options });
  }
}

import WebSocket from 'ws';
import type { SocketLike } from '../socket-like.js';

/** What `ws` says when it offered a subprotocol and the server selected none. */
const NO_SUBPROTOCOL = 'Server sent no subprotocol';

/**
 * `ws`, made to meet a server without cohora.v2 as a browser does. A browser opens a socket
 * whose offered subprotocol the server did not select (`protocol === ''`); `ws` fails that
 * handshake instead. This socket then opens again at once offering nothing, and shows the
 * connection only the second socket: one v1 socket, as in a browser.
 */
export class V1FallbackSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  private socket!: WebSocket;
  private kind: SocketLike['binaryType'] = 'nodebuffer';
  private closing = false;

  constructor(
    private readonly url: string,
    protocols?: string[],
  ) {
    this.open(protocols);
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get binaryType(): string {
    return this.kind;
  }

  set binaryType(kind: string) {
    this.kind = kind;
    this.socket.binaryType = kind as WebSocket['binaryType'];
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.closing = true;
    this.socket.close(code, reason);
  }

  private open(protocols: string[] | undefined): void {
    const socket = new WebSocket(this.url, protocols);
    this.socket = socket;
    socket.binaryType = this.kind as WebSocket['binaryType'];
    let refusedSubprotocol = false;
    socket.onopen = (event) => this.onopen?.(event);
    socket.onmessage = (event) => this.onmessage?.(event);
    socket.onerror = (event) => {
      if (protocols && event.message === NO_SUBPROTOCOL) refusedSubprotocol = true;
      else this.onerror?.(event);
    };
    socket.onclose = (event) => {
      if (refusedSubprotocol && !this.closing) this.open(undefined);
      else this.onclose?.(event);
    };
  }
}

import type { SocketLike } from '../../src/client/socket-like.js';

/**
 * A WebSocket as the SDK sees it, driven by hand in unit tests: it opens (selecting a
 * subprotocol or none), receives and closes when told to, and records what the SDK sent.
 */
export class FakeClientSocket implements SocketLike {
  static opened: FakeClientSocket[] = [];
  binaryType = 'blob';
  protocol = '';
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  sent: unknown[] = [];
  closedByClient?: { code?: number; reason?: string };

  constructor(
    readonly url: string,
    readonly protocols: string[] = [],
  ) {
    FakeClientSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.serverCloses(code ?? 1006, reason ?? '');
  }
  /** The server accepts the upgrade, selecting `protocol` ('' for none: a v1 socket). */
  accept(protocol = ''): void {
    this.protocol = protocol;
    this.onopen?.({});
  }
  push(frame: object | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  serverCloses(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }
}

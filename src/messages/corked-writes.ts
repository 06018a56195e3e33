import type { WebSocket } from 'ws';

/** The TCP socket under a ws WebSocket: ws keeps it as `_socket` (unset before the upgrade and in fakes). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Holds a socket's writes back until `uncork`, so that many frames written in one turn leave in
 * one writev instead of one system call each (issue 13: the catch-up of a 50,000 backlog spent a
 * third of its time in writev). Calls nest and must balance, as net.Socket's do.
 */
export class CorkedWrites {
  private readonly tcp: Corkable | undefined;

  constructor(socket: WebSocket) {
    const tcp = (socket as unknown as { _socket?: Partial<Corkable> })._socket;
    this.tcp = typeof tcp?.cork === 'function' && typeof tcp.uncork === 'function' ? (tcp as Corkable) : undefined;
  }

  cork(): void {
    this.tcp?.cork();
  }

  uncork(): void {
    this.tcp?.uncork();
  }
}

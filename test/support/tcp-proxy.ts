import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

type Mode = 'forward' | 'refuse' | 'stall';

/**
 * A TCP forwarder on a free local port, in front of a real server, that a test can cut:
 * `refuse` resets every open connection and every new one (a server that went away), `stall`
 * keeps connections open but carries nothing (a network partition: bytes wait), `forward`
 * carries traffic again, the waiting bytes first. The port stays the proxy's throughout, so the client behind it never changes.
 */
export class TcpProxy {
  private mode: Mode = 'forward';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
    private readonly targetHost: string,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, targetPort, targetHost);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Resets every connection through the proxy, and every new one, until restore(). */
  refuse(): void {
    this.mode = 'refuse';
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Carries nothing, either way, on open and new connections, until restore(). */
  stall(): void {
    this.mode = 'stall';
    for (const socket of this.sockets) socket.pause();
  }

  /** Carries traffic again; connections reset meanwhile stay reset. */
  restore(): void {
    this.mode = 'forward';
    for (const socket of this.sockets) socket.resume();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => to.write(chunk));
      if (this.mode === 'stall') from.pause();
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}

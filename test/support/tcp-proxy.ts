import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

type Mode = 'forward' | 'refuse' | 'stall' | 'swallow';

/**
 * A TCP forwarder on a free local port, in front of a real server, that a test can cut:
 * `refuse` resets every open connection and every new one (a server that went away), `stall`
 * keeps connections open but carries nothing (a network partition: bytes wait), `forward`
 * carries traffic again, the waiting bytes first. `swallowReplies` carries the client's bytes but drops
 * the server's: a statement reaches the database and commits, and its answer never arrives (the
 * ambiguous case). The port stays the proxy's throughout, so the client behind it never changes.
 */
export class TcpProxy {
  private mode: Mode = 'forward';
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    private readonly targetPorts: readonly number[],
    private readonly targetHost: string,
  ) {}

  /** Forwards to `targetPort`; given several ports, deals new connections round-robin, as a load balancer does. */
  static async start(targetPort: number | readonly number[], targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, typeof targetPort === 'number' ? [targetPort] : targetPort, targetHost);
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

  /** From now on, forwards what clients send and drops what the server answers, until refuse() or restore(). */
  swallowReplies(): void {
    this.mode = 'swallow';
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
    const upstream = connect(this.targetPorts[this.connections++ % this.targetPorts.length], this.targetHost);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'swallow' && from === upstream) return;
        to.write(chunk);
      });
      if (this.mode === 'stall') from.pause();
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}

import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A TCP proxy in front of a real cohora that keeps what clients send, so that a test can count
 * their HTTP requests (WebSocket frames from a client are masked: their text never shows up).
 * With `stripSubprotocol` it also removes `Sec-WebSocket-Protocol` from every request, as some
 * proxies do: the server then selects no subprotocol, and a client that offered cohora.v2 must
 * fall back to v1 + REST (docs/protocol-v2.md, "Negotiation"). Only the first request of each
 * connection is rewritten (an upgrade is always a first one).
 */
export class InspectingProxy {
  private readonly sockets = new Set<Socket>();
  /** What each connection's client sent, as latin1 text. */
  private readonly sent: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly stripSubprotocol: boolean,
  ) {}

  static async start(targetPort: number, { stripSubprotocol = false } = {}): Promise<InspectingProxy> {
    const server = createServer();
    const proxy = new InspectingProxy(server, stripSubprotocol);
    server.on('connection', (client) => proxy.carry(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How many `<method> <path>` requests clients have sent so far. */
  requests(method: string, path: string): number {
    const line = `${method} ${path} HTTP/1.1\r\n`;
    return this.sent.reduce((count, bytes) => count + bytes.split(line).length - 1, 0);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private carry(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    const log = this.sent.push('') - 1;
    let head: Buffer | undefined = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      this.sent[log] += chunk.toString('latin1');
      if (!head) return void upstream.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const kept = this.stripSubprotocol ? lines.filter((line) => !/^sec-websocket-protocol\s*:/i.test(line)) : lines;
      upstream.write(Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), head.subarray(end)]));
      head = undefined;
    });
  }
}

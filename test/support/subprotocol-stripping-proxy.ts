import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A proxy in front of a real cohora that removes `Sec-WebSocket-Protocol` from every request,
 * as some proxies do: the server then selects no subprotocol, and a client that offered
 * cohora.v2 must find out and fall back to v1 + REST (docs/protocol-v2.md, "Negotiation").
 * Only the first request of each connection is rewritten (an upgrade is always a first one).
 */
export class SubprotocolStrippingProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<SubprotocolStrippingProxy> {
    const server = createServer();
    const proxy = new SubprotocolStrippingProxy(server);
    server.on('connection', (client) => proxy.carry(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
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
    let head = Buffer.alloc(0);
    const readHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', readHead);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const kept = lines.filter((line) => !/^sec-websocket-protocol\s*:/i.test(line)).join('\r\n');
      upstream.write(Buffer.concat([Buffer.from(kept, 'latin1'), head.subarray(end)]));
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on('data', readHead);
  }
}

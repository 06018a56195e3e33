import { createServer } from 'node:net';

/** A TCP port that was free a moment ago, for servers that cannot listen on port 0 (PM2 apps, redis-server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

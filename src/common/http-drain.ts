import type { Server } from 'node:http';

/**
 * Readies the HTTP server for a shutdown in which no request fails, for PM2 reloads and
 * rolling restarts. Node's `server.close()` drops idle keep-alive connections at once, and a
 * client may be sending its next request on one at that very moment: it gets a reset. Instead,
 * each keep-alive connection is left to end on its own: after its next response (sent with
 * `Connection: close`), or at the server's keep-alive timeout, which clients know and stop
 * reusing a connection before. Meanwhile new connections go to the other processes.
 */
export function drainOnClose(server: Server): void {
  server.closeIdleConnections = () => undefined;
  // Prepended: a response may be written within the application's own listener.
  server.prependListener('request', (_request, response) => response.setHeader('Connection', 'close'));
}

import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from './http-error.filter.js';

/**
 * Writes a complete HTTP/1.1 error answer, in the `{ statusCode, message, error }` shape, on a
 * socket no Express response owns (an upgrade request, a request Node could not parse), then
 * closes the connection.
 */
export function answerRawSocket(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(status, message));
  const head = {
    Connection: 'close',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  };
  const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** What Node found wrong with a request it could not read, as a status and a sentence. */
function clientErrorAnswer(code: string | undefined): [number, string] {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'The request did not arrive in time'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'The request headers are too large'];
    default:
      return [400, 'Malformed HTTP request'];
  }
}

/**
 * Answers the requests Node itself refuses (unparsable, headers too large, too slow) in the
 * JSON error shape instead of Node's bare status line; as Node does, only on a connection that
 * has not answered anything yet, and a connection that broke is just closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.bytesWritten > 0 || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, message] = clientErrorAnswer(error.code);
    answerRawSocket(socket, status, message);
  });
}

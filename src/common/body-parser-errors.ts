import type { Request } from 'express';

/** The encodings body-parser can undo (Express 5). */
const SUPPORTED_ENCODINGS = 'identity, gzip, deflate or br';

interface ParserFailure {
  errno?: unknown;
  code?: unknown;
  type?: unknown;
}

/**
 * Our sentence for a body the parser could not read because of how it was sent, where its own
 * would be a library's (zlib's "incorrect header check"); undefined for every other error.
 * `cause` is what body-parser raised, as Nest keeps it on the HttpException.
 */
export function bodyEncodingMessage(status: number, cause: unknown, request: Request): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const failure = cause as ParserFailure;
  const encoding = String(request.headers['content-encoding'] ?? '').trim();
  if (status === 415 && failure.type === 'encoding.unsupported') {
    return `Content-Encoding ${JSON.stringify(encoding)} is not supported: send ${SUPPORTED_ENCODINGS}`;
  }
  if (status === 415 && failure.type === 'charset.unsupported') {
    return 'The request body must be JSON in UTF-8: drop the charset parameter or send charset=utf-8';
  }
  // zlib and brotli failures carry a numeric errno; a JSON syntax error or an aborted body does not.
  if (status === 400 && typeof failure.errno === 'number' && typeof failure.code === 'string') {
    return `The request body could not be decompressed: it is not valid ${encoding || 'compressed'} data, as its Content-Encoding says`;
  }
  return undefined;
}

/** The server answered with an error status; `message` is the server's own explanation. */
export class CohoraHttpError extends Error {
  override name = 'CohoraHttpError';
  constructor(
    readonly status: number,
    message: string,
    /** What was asked, e.g. `POST http://127.0.0.1:3000/api/users/create`. */
    readonly request: string,
  ) {
    super(message);
  }
}

/** No answer at all: the server is down, the address is wrong, or the network failed. */
export class CohoraNetworkError extends Error {
  override name = 'CohoraNetworkError';
  constructor(
    /** The URL that could not be reached. */
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`could not reach ${url}${describeCause(options?.cause)}`, options);
  }
}

/** Node's fetch hides the useful part ("ECONNREFUSED") one level down, in `cause.cause`. */
function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof inner?.code === 'string') return ` (${inner.code})`;
  if (typeof inner?.message === 'string' && inner.message !== '') return ` (${inner.message})`;
  return '';
}

/**
 * A send that kept failing for reasons that may pass (no answer, 503, 504, a key in flight)
 * until the attempts ran out: the message was not sent. Sending it again with the same
 * `idempotencyKey` can never store it twice.
 */
export class MessageNotSentError extends Error {
  override name = 'MessageNotSentError';
  constructor(
    readonly idempotencyKey: string,
    readonly attempts: number,
    /** The last failure: a CohoraNetworkError or a CohoraHttpError. */
    readonly lastError: Error,
  ) {
    super(`the message was not sent (${attempts} attempts; last: ${lastError.message})`, { cause: lastError });
  }
}

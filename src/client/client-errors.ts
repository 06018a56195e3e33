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

/** Failures that happen before a request leaves: nothing of it can have reached the server. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** No answer at all: the server is down, the address is wrong, or the network failed. */
export class CohoraNetworkError extends Error {
  override name = 'CohoraNetworkError';
  /**
   * Whether the request may have reached the server before the failure (a connection reset
   * mid-request, say). Only Node says why a fetch failed; a browser's bare "Failed to fetch"
   * counts as not arrived.
   */
  readonly mayHaveArrived: boolean;

  constructor(
    /** The URL that could not be reached. */
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`could not reach ${url}${describeCause(options?.cause)}`, options);
    const code = innerCause(options?.cause)?.code;
    this.mayHaveArrived = typeof code === 'string' && !NEVER_SENT_CODES.has(code);
  }
}

function innerCause(cause: unknown): { code?: unknown; message?: unknown } | undefined {
  return (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
}

/** Node's fetch hides the useful part ("ECONNREFUSED") one level down, in `cause.cause`. */
function describeCause(cause: unknown): string {
  const inner = innerCause(cause);
  if (typeof inner?.code === 'string') return ` (${inner.code})`;
  if (typeof inner?.message === 'string' && inner.message !== '') return ` (${inner.message})`;
  return '';
}

/**
 * A send that kept failing for reasons that may pass (no answer, 503, 504, a key in flight)
 * until the attempts ran out. When every try was refused before storage (503, 409, a refused
 * connection), the message was not sent. When one may have reached storage (a 504, or a
 * connection lost mid-request), the
 * outcome is unknown: `maybeStored` says so, and the message must not claim "not sent". Either
 * way, sending it again with the same `idempotencyKey` can never store it twice.
 */
export class MessageNotSentError extends Error {
  override name = 'MessageNotSentError';
  constructor(
    readonly idempotencyKey: string,
    readonly attempts: number,
    /** The last failure: a CohoraNetworkError or a CohoraHttpError. */
    readonly lastError: Error,
    /** Some try got a 504 or lost its connection mid-request: the message may have been stored after all. */
    readonly maybeStored = false,
  ) {
    super(
      maybeStored
        ? `the message may not have been sent: the server did not confirm it (${attempts} attempts; last: ${lastError.message}); sending it again with the same key cannot store it twice`
        : `the message was not sent (${attempts} attempts; last: ${lastError.message})`,
      { cause: lastError },
    );
  }
}

import type { StorageFault } from '../ports/message.store.js';
/**
 * Errors that services throw for a client's mistake or a known condition. Each names its
 * HTTP status once, here; HttpErrorFilter turns them into Nest's error shape.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Sent as `Retry-After` (seconds) when the condition is expected to pass by itself. */
  declare readonly retryAfterSeconds?: number;
  /** Fields the answer carries beside `statusCode`, `message` and `error`. */
  declare readonly extraFields?: Readonly<Record<string, unknown>>;
}

export class InvalidInputError extends DomainError {
  readonly status = 400;
}

/** The sender named by `sender_id` is not a registered user. */
export class UnknownSenderError extends DomainError {
  readonly status = 401;
  constructor(senderId: string) {
    super(`sender_id ${JSON.stringify(senderId)} is not a registered user`);
  }
}

/** AUTH_MODE=token: the request carries no token, or one that is nobody's. */
export class InvalidTokenError extends DomainError {
  readonly status = 401;
  constructor(given: boolean) {
    super(
      given
        ? 'The token is not valid'
        : 'A token is required: send Authorization: Bearer <the token POST /api/users/create returned>',
    );
  }
}

/** AUTH_MODE=token: `sender_id` names someone other than the token's user. */
export class SenderMismatchError extends DomainError {
  readonly status = 403;
  constructor() {
    super("sender_id does not match the token's user");
  }
}

/** ALLOWED_ORIGINS is set and a browser sent the request from another origin. */
export class ForeignOriginError extends DomainError {
  readonly status = 403;
  constructor() {
    super('Origin not allowed');
  }
}

export class RecipientNotFoundError extends DomainError {
  readonly status = 404;
  constructor(recipientId: string) {
    super(`recipient_id ${JSON.stringify(recipientId)} is not a registered user`);
  }
}

export class NameTakenError extends DomainError {
  readonly status = 409;
  constructor(name: string) {
    super(`The name ${JSON.stringify(name)} is already taken`);
  }
}

/** The recipient has too many undelivered messages; the send is refused rather than accepted and dropped. */
export class RecipientQueueFullError extends DomainError {
  readonly status = 429;
  constructor(limit: number) {
    super(`The recipient has ${limit} undelivered messages, the most cohora keeps; try again once they have connected`);
  }
}

/** A socket's send over RATE_LIMIT_SEND: the words and Retry-After of the HTTP send's 429. */
export class SendRateLimitedError extends DomainError {
  readonly status = 429;
  constructor(
    override readonly retryAfterSeconds: number,
    limit: string,
  ) {
    super(`Too many messages from this sender: at most ${limit}; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * The request surely did not reach storage: no connection could be had, the statement was
 * refused or cancelled before it committed, or the send's time ran out while its write was
 * still queued in this process (it was then withdrawn). A retry is safe.
 */
export class StoreUnavailableError extends DomainError {
  readonly status = 503;
  override readonly retryAfterSeconds = 1;
  constructor(options?: ErrorOptions) {
    super('Storage is unavailable; nothing was stored; try again', options);
  }
}

/**
 * The write was sent to storage and no answer came (the link failed, or the send's time ran
 * out after sending): it may or may not have committed. A retry with the same
 * Idempotency-Key resolves it without a second copy.
 */
export class OutcomeUnknownError extends DomainError {
  readonly status = 504;
  constructor(options?: ErrorOptions) {
    super('Storage did not confirm in time: the outcome is unknown; retry with the same Idempotency-Key', options);
  }
}

/** Storage refused the write for lack of space or because it is read-only. Nothing was stored. */
export class InsufficientStorageError extends DomainError {
  readonly status = 507;
  constructor(
    readonly fault: StorageFault,
    options?: ErrorOptions,
  ) {
    super(
      fault === 'full'
        ? 'Storage is full: nothing was stored; try again later'
        : 'Storage is read-only: nothing was stored; try again later',
      options,
    );
  }
}

/** The Idempotency-Key header is not 1-255 printable ASCII characters. */
export class InvalidIdempotencyKeyError extends DomainError {
  readonly status = 400;
  constructor() {
    super('Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
}

/** A send with this Idempotency-Key is still being carried out; its outcome decides. */
export class IdempotencyKeyInFlightError extends DomainError {
  readonly status = 409;
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('A send with this Idempotency-Key is still in progress; retry shortly');
  }
}

/** The Idempotency-Key was used, within 24 h, for a send with another recipient or text. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly status = 422;
  constructor() {
    super('This Idempotency-Key was already used for a different message');
  }
}

/** A health check failed: the usual shape, plus the report's `status` and `details` for monitors. */
export class UnhealthyError extends DomainError {
  readonly status = 503;
  override readonly extraFields: Readonly<Record<string, unknown>>;
  constructor(report: { status?: unknown; details?: unknown }) {
    super('cohora is not healthy: see details');
    this.extraFields = { status: report.status, details: report.details };
  }
}

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

/**
 * The database could not be reached or did not answer in time. The request was not carried out
 * (at worst its commit went through unconfirmed), so the client may simply retry it.
 */
export class StoreUnavailableError extends DomainError {
  readonly status = 503;
  override readonly retryAfterSeconds = 1;
  constructor(options?: ErrorOptions) {
    super('Storage is unavailable; try again', options);
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

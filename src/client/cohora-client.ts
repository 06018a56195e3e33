import { Backoff, type BackoffOptions } from './backoff.js';
import { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from './client-errors.js';
import { type Clock, systemClock } from './clock.js';
import type {
  CreateUserResponse,
  ErrorBody,
  ListUsersResponse,
  SendMessageRequest,
  SendMessageResponse,
} from './protocol.js';
import { ServerUrl } from './server-url.js';

export interface CohoraClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:3000`. */
  server: string | ServerUrl;
  /** Sent as `Authorization: Bearer <token>` when given (servers that issue tokens check it). */
  token?: string;
  /** Defaults to the global `fetch` (Node 20 and every browser have one). */
  fetch?: typeof fetch;
  /** How sendMessage retries; see SendRetryOptions. */
  sendRetry?: SendRetryOptions;
}

export interface SendRetryOptions {
  /** Tries in all, the first included (default 5). */
  attempts?: number;
  /** Jittered delays between tries (default: up to 250 ms, doubling, at most 4 s). */
  backoff?: BackoffOptions;
  clock?: Clock;
}

/** Answers after which the same send may simply be tried again: not stored (503), unknown (504), in flight (409). */
const RETRYABLE_STATUSES = new Set([409, 503, 504]);

export interface SendMessageInput {
  recipientId: string;
  message: string;
  /** Who sends; without it the message arrives as from `anonymous`. */
  senderId?: string;
  /** One per message, kept across its retries; made up when not given. */
  idempotencyKey?: string;
}

/**
 * Typed calls for cohora's HTTP endpoints. A non-2xx answer throws CohoraHttpError with the
 * status and the server's message; no answer at all throws CohoraNetworkError with the URL.
 */
export class CohoraClient {
  readonly server: ServerUrl;
  private readonly token?: string;
  private readonly fetch: typeof fetch;
  private readonly sendRetry: Required<SendRetryOptions>;

  constructor(options: CohoraClientOptions) {
    this.sendRetry = {
      attempts: options.sendRetry?.attempts ?? 5,
      backoff: options.sendRetry?.backoff ?? { baseMs: 250, capMs: 4_000 },
      clock: options.sendRetry?.clock ?? systemClock,
    };
    this.server = typeof options.server === 'string' ? new ServerUrl(options.server) : options.server;
    this.token = options.token;
    // Called unbound: browsers refuse `fetch` invoked with another object as `this`.
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.fetch = (input, init) => fetchImpl(input, init);
  }

  /** Registers `name`; 409 (CohoraHttpError) when it is taken, 400 when it breaks the name rules. */
  createUser(name: string): Promise<CreateUserResponse> {
    return this.request<CreateUserResponse>('POST', 'api/users/create', { name });
  }

  /** The directory as a Map, so that no name (`__proto__` included) can collide with an object key. */
  async listUsers(): Promise<Map<string, string>> {
    const { users } = await this.request<ListUsersResponse>('GET', 'api/users/list');
    return new Map(Object.entries(users));
  }

  /**
   * Sends with an Idempotency-Key, so that retrying can never store the message twice. No
   * answer, a 503, a 504 or a 409 (the key still in flight) is retried with jittered backoff,
   * up to the configured attempts; then MessageNotSentError (with `maybeStored` when a try
   * may have reached storage). Any other refusal throws its
   * CohoraHttpError at once: 404 when the recipient does not exist, 401 when the sender does not.
   */
  async sendMessage({
    recipientId,
    message,
    senderId,
    idempotencyKey,
  }: SendMessageInput): Promise<SendMessageResponse> {
    const body: SendMessageRequest = { recipient_id: recipientId, message };
    if (senderId !== undefined) body.sender_id = senderId;
    const key = idempotencyKey ?? newIdempotencyKey();
    const { attempts, backoff: backoffOptions, clock } = this.sendRetry;
    const backoff = new Backoff(backoffOptions);
    let maybeStored = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.request<SendMessageResponse>('POST', 'api/messages/send', body, { 'idempotency-key': key });
      } catch (error) {
        const retryable =
          error instanceof CohoraNetworkError ||
          (error instanceof CohoraHttpError && RETRYABLE_STATUSES.has(error.status));
        if (!retryable) throw error;
        // A 503, a 409 or a refused connection stored nothing; a 504 or a cut request may have.
        maybeStored ||= error instanceof CohoraNetworkError ? error.mayHaveArrived : error.status === 504;
        if (attempt >= attempts) throw new MessageNotSentError(key, attempt, error, maybeStored);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, backoff.next()));
      }
    }
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const url = this.server.http(path);
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CohoraNetworkError(this.server.toString(), { cause: error });
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      throw new CohoraHttpError(response.status, errorMessage(parsed, response), `${method} ${url}`);
    }
    if (parsed === undefined) {
      throw new CohoraHttpError(
        response.status,
        'the server answered with something that is not JSON',
        `${method} ${url}`,
      );
    }
    return parsed as T;
  }
}

/** 32 random hex digits; getRandomValues, unlike randomUUID, also works on a page served over plain http. */
export function newIdempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorMessage(body: unknown, response: Response): string {
  const message = (body as Partial<ErrorBody> | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(message) && message.length > 0) return message.join('; ');
  return `${response.status} ${response.statusText || 'error'}`.trim();
}

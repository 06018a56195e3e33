import { Injectable } from '@nestjs/common';
import {
  InvalidInputError,
  RecipientNotFoundError,
  SenderMismatchError,
  UnknownSenderError,
} from '../common/domain-errors.js';
import { beforeDeadline, SharedTimeouts } from '../common/deadline.js';
import { AppConfig } from '../config/app-config.js';
import { idempotencyClaim } from '../idempotency/idempotency-key.js';
import { InFlightKeys } from '../idempotency/in-flight-keys.js';
import { Metrics } from '../metrics/metrics.js';
import { type AppendResult, type IdempotencyClaim, type MessageDraft, MessageStore } from '../ports/message.store.js';
import type { User } from '../ports/user.store.js';
import { UsersService } from '../users/users.service.js';
import { DeliveryTracker } from './delivery-tracker.js';
import type { Delivery } from './dto/send-result.dto.js';
import { MessagesGateway } from './messages.gateway.js';

/** The name a message arrives from when the send named no sender. */
export const ANONYMOUS = 'anonymous';

export interface SendRequest {
  recipientId: string;
  text: string;
  senderId?: string | null;
  /** AUTH_MODE=token: the user the bearer token names, who is then the sender. */
  authenticatedSender?: User;
  /** The Idempotency-Key header, already checked for its form. */
  idempotencyKey?: string;
}

/** A send that passed its checks, ready for the store (MessagesService.prepare). */
export interface PreparedSend {
  readonly draft: MessageDraft;
  readonly claim: IdempotencyClaim | undefined;
  /** The send's bound, started when it was prepared. */
  readonly signal: AbortSignal;
}

export interface SendOutcome {
  messageId: string;
  delivery: Delivery;
  /** True when the key named an earlier send: its answer again, nothing stored. */
  replayed: boolean;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly users: UsersService,
    private readonly store: MessageStore,
    private readonly gateway: MessagesGateway,
    private readonly deliveries: DeliveryTracker,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.bounds = new SharedTimeouts(config.messages.sendTimeoutMs);
  }

  private readonly inFlight = new InFlightKeys();
  /** Every send's bound, SEND_TIMEOUT_MS from when it is prepared. */
  private readonly bounds: SharedTimeouts;

  /**
   * Stores a message, then pushes it. It is durable before anyone hears of it: a crash after
   * the store leaves it queued, never lost. Storage gets SEND_TIMEOUT_MS: past it the send
   * answers 503 if its write never left this process (it is withdrawn), 504 if it did.
   */
  async send(request: SendRequest): Promise<SendOutcome> {
    return this.commit(await this.prepare(request));
  }

  /**
   * The checks of a send, up to the store: the text (400), the sender (401, 403) and the
   * recipient (404), within the send's bound. Nothing is stored yet.
   */
  async prepare(request: SendRequest): Promise<PreparedSend> {
    const signal = this.bounds.signal();
    this.checkText(request.text);
    const { recipientId, text, senderId, authenticatedSender, idempotencyKey } = request;
    const sender = authenticatedSender
      ? this.provenSender(authenticatedSender, senderId)
      : senderId == null
        ? null
        : await beforeDeadline(this.users.findById(senderId), signal);
    if (sender === undefined) throw new UnknownSenderError(senderId!);
    // Most recipients are cached: no promise, no listener on the bound for them.
    const recipient =
      this.users.cachedById(recipientId) ?? (await beforeDeadline(this.users.findById(recipientId), signal));
    if (!recipient) throw new RecipientNotFoundError(recipientId);

    const draft = {
      recipientId: recipient.id,
      senderId: sender?.id ?? null,
      senderName: sender?.name ?? ANONYMOUS,
      text,
      sentAt: new Date(),
    };
    const claim =
      idempotencyKey === undefined
        ? undefined
        : idempotencyClaim(idempotencyKey, draft.senderId, draft.recipientId, text);
    return { draft, claim, signal };
  }

  /**
   * Stores a prepared send and pushes it. The store is handed the write before this returns,
   * so sends committed in some order are stored in that order (a socket's frame order).
   */
  commit({ draft, claim, signal }: PreparedSend): Promise<SendOutcome> {
    if (claim === undefined) return this.storeAndPush(draft, undefined, signal);
    return this.inFlight.hold(claim, () => this.storeAndPush(draft, claim, signal));
  }

  private async storeAndPush(
    draft: MessageDraft,
    idempotency: IdempotencyClaim | undefined,
    signal: AbortSignal,
  ): Promise<SendOutcome> {
    // Delivery marks waiting for a send go first, in the same transaction: no commit of their
    // own, and the recipient's queue check below counts the messages they mark delivered.
    void this.deliveries.flush();
    const appending = performance.now();
    const result: AppendResult = await this.store.appendOnce(draft, this.config.messages.maxQueuedPerUser, {
      idempotency,
      signal,
    });
    const publishing = performance.now();
    this.metrics.appendLatency.observe((publishing - appending) / 1_000);
    if (result.replayed) {
      this.metrics.replayed.inc();
      // The first answer's delivery, as well as it can be told now: from the recipient's cursor.
      const through = await beforeDeadline(this.deliveries.deliveredThrough(draft.recipientId), signal).catch(
        () => null,
      );
      const delivery = through !== null && through >= result.messageId ? 'delivered' : 'queued';
      return { messageId: result.messageId, delivery, replayed: true };
    }
    const pushed = await this.gateway.push(result.message);
    this.metrics.busLatency.observe(Metrics.since(publishing));
    (pushed ? this.metrics.delivered : this.metrics.queued).inc();
    return { messageId: result.message.id, delivery: pushed ? 'delivered' : 'queued', replayed: false };
  }

  /** The token's user sends; a sender_id, if given, must name them. */
  private provenSender(user: User, senderId: string | null | undefined): User {
    if (senderId != null && senderId !== user.id) throw new SenderMismatchError();
    return user;
  }

  private checkText(text: string): void {
    const { maxLength } = this.config.messages;
    if (text.trim().length === 0) throw new InvalidInputError('message must not be empty or only whitespace');
    // Count characters (code points), as for names; the UTF-16 length is an upper bound.
    if (text.length > maxLength && [...text].length > maxLength) {
      throw new InvalidInputError(`message must be at most ${maxLength} characters`);
    }
  }
}

import { Injectable } from '@nestjs/common';
import {
  InvalidInputError,
  RecipientNotFoundError,
  SenderMismatchError,
  UnknownSenderError,
} from '../common/domain-errors.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { MessageStore, type StoredMessage } from '../ports/message.store.js';
import type { User } from '../ports/user.store.js';
import { UsersService } from '../users/users.service.js';
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
}

export interface SendOutcome {
  message: StoredMessage;
  delivery: Delivery;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly users: UsersService,
    private readonly store: MessageStore,
    private readonly gateway: MessagesGateway,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Stores a message, then pushes it. It is durable before anyone hears of it: a crash after
   * the store leaves it queued, never lost.
   */
  async send({ recipientId, text, senderId, authenticatedSender }: SendRequest): Promise<SendOutcome> {
    this.checkText(text);
    const sender = authenticatedSender
      ? this.provenSender(authenticatedSender, senderId)
      : senderId == null
        ? null
        : await this.users.findById(senderId);
    if (sender === undefined) throw new UnknownSenderError(senderId!);
    const recipient = await this.users.findById(recipientId);
    if (!recipient) throw new RecipientNotFoundError(recipientId);

    const appending = performance.now();
    const message = await this.store.append(
      {
        recipientId: recipient.id,
        senderId: sender?.id ?? null,
        senderName: sender?.name ?? ANONYMOUS,
        text,
        sentAt: new Date(),
      },
      this.config.messages.maxQueuedPerUser,
    );
    const publishing = performance.now();
    this.metrics.appendLatency.observe((publishing - appending) / 1_000);
    const pushed = await this.gateway.push(message);
    this.metrics.busLatency.observe(Metrics.since(publishing));
    (pushed ? this.metrics.delivered : this.metrics.queued).inc();
    return { message, delivery: pushed ? 'delivered' : 'queued' };
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

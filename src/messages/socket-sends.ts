import { Injectable, Logger } from '@nestjs/common';
import { InvalidIdempotencyKeyError, InvalidInputError } from '../common/domain-errors.js';
import { parseIdempotencyKey } from '../idempotency/idempotency-key.js';
import { Metrics } from '../metrics/metrics.js';
import type { User } from '../ports/user.store.js';
import { SendBudget } from '../rate-limit/send-budget.js';
import { SEND_FIELD_RULES } from './dto/send-message.dto.js';
import { type PreparedSend, MessagesService, type SendOutcome } from './messages.service.js';
import { ackFrame, domainErrorFrame, errorFrame } from './v2-frames.js';

/**
 * The sends of v2 sockets, held to the HTTP send's rules: RATE_LIMIT_SEND (one budget with
 * HTTP), the body's field rules with the validation pipe's texts, the Idempotency-Key's form,
 * then MessagesService as for HTTP. Each answer is a frame: an ack after commit, or the error
 * HTTP would answer.
 */
@Injectable()
export class SocketSends {
  private readonly logger = new Logger(SocketSends.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly budget: SendBudget,
    private readonly metrics: Metrics,
  ) {}

  /** The key a send frame names; rejects (400) one that is missing or not of the Idempotency-Key form. */
  key(raw: unknown): string {
    if (typeof raw !== 'string') throw new InvalidIdempotencyKeyError();
    return parseIdempotencyKey(raw)!;
  }

  /** The checks before the store, in the HTTP send's order: budget, fields, then the service's. */
  async prepare(sender: User, key: string, fields: Record<string, unknown>): Promise<PreparedSend> {
    if (this.budget.limited) await this.budget.spend(sender.id);
    const { recipient_id: recipientId, message } = fields;
    // In the validation pipe's order: its length rule runs before its type rule, as there.
    const broken = [
      typeof recipientId !== 'string' || recipientId.length === 0 ? SEND_FIELD_RULES.recipientEmpty : undefined,
      typeof message !== 'string' ? SEND_FIELD_RULES.messageNotString : undefined,
    ].filter((rule) => rule !== undefined);
    if (broken.length > 0) throw new InvalidInputError(broken.join('; '));
    return this.messages.prepare({
      recipientId: recipientId as string,
      text: message as string,
      authenticatedSender: sender,
      idempotencyKey: key,
    });
  }

  /** Hands a prepared send to the store now (so frame order is store order); resolves once committed. */
  commit(prepared: PreparedSend): Promise<SendOutcome> {
    return this.messages.commit(prepared);
  }

  ack(key: string, { messageId, delivery }: SendOutcome): string {
    return ackFrame(key, messageId, delivery);
  }

  /** The error frame for a refused send, counted by status as the HTTP route counts its refusals. */
  refusal(key: string | null, error: unknown): string {
    let frame = domainErrorFrame(key, error);
    let status = (error as { status?: number }).status ?? 500;
    if (frame === undefined) {
      status = 500;
      this.logger.error(
        `A socket's send failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      frame = errorFrame(key, 500, 'Internal server error');
    }
    this.metrics.sends.inc({ outcome: String(status) });
    return frame;
  }
}

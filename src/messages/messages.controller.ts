import { Body, Controller, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { BEARER_TOKEN } from '../common/api-security.js';
import { ApiErrorResponses } from '../common/api-error.decorator.js';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency/idempotency-key.js';
import { RefusedSendsFilter } from '../metrics/refused-sends.filter.js';
import type { User } from '../ports/user.store.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { AuthenticatedSender } from '../security/authenticated-sender.decorator.js';
import { SenderTokenGuard } from '../security/sender-token.guard.js';
import { SendMessageDto } from './dto/send-message.dto.js';
import { SendResultDto } from './dto/send-result.dto.js';
import { MessagesService } from './messages.service.js';

@ApiTags('messages')
@Controller('api/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post('send')
  @HttpCode(200)
  @RateLimited('send', SenderTokenGuard)
  @UseFilters(RefusedSendsFilter)
  @ApiOperation({
    summary: 'Send a message to a user by id',
    description:
      'Stored before the answer leaves. A connected recipient gets it at once (delivery: delivered); ' +
      'otherwise it is queued and delivered, in order, when they next connect on /ws.',
  })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      '1-255 printable ASCII characters. A repeat from the same sender within 24 h stores nothing and gets ' +
      'the first answer again (same message_id); with a different body 422; while the first is in flight 409.',
  })
  @ApiOkResponse({ type: SendResultDto })
  // Open mode (the default) needs no token; AUTH_MODE=token needs the bearer token.
  @ApiSecurity({})
  @ApiBearerAuth(BEARER_TOKEN)
  @ApiErrorResponses(
    {
      400: 'the body is not a JSON object (or not JSON at all), a field is missing or mistyped, the message is empty or too long, or the Idempotency-Key is malformed',
      401: 'sender_id is given but is not a registered user; with AUTH_MODE=token, no valid Authorization: Bearer token',
      403: "with AUTH_MODE=token, sender_id names someone other than the token's user; with ALLOWED_ORIGINS, a browser on another origin",
      404: 'recipient_id is not a registered user',
      409: 'a send with this Idempotency-Key is still in progress (with Retry-After)',
      422: 'the Idempotency-Key was used within 24 h for a different recipient or text',
      429: 'the recipient already has MAX_QUEUED_PER_USER undelivered messages, or the sender passed RATE_LIMIT_SEND (then with Retry-After)',
      503: 'storage cannot be reached; the message was NOT stored, retry after the Retry-After seconds',
      504: 'storage did not confirm in time: the outcome is unknown; retry with the same Idempotency-Key',
      507: 'storage is full or read-only; the message was NOT stored',
    },
    { body: true },
  )
  async send(
    @Body() body: SendMessageDto,
    @AuthenticatedSender() sender?: User,
    @Headers(IDEMPOTENCY_KEY_HEADER.toLowerCase()) idempotencyKey?: string,
  ): Promise<SendResultDto> {
    const { delivery, messageId } = await this.messages.send({
      recipientId: body.recipient_id,
      text: body.message,
      senderId: body.sender_id,
      authenticatedSender: sender,
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
    });
    return {
      status: 'success',
      details: `Message sent to recipient_id: ${body.recipient_id}`,
      delivery,
      message_id: messageId,
    };
  }
}

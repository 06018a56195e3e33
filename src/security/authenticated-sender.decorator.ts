import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../common/authenticated-request.js';
import type { User } from '../ports/user.store.js';

/**
 * The user the request's bearer token names (AUTH_MODE=token, after SenderTokenGuard), as a
 * handler parameter; undefined in open mode, where the body's `sender_id` names the sender.
 */
export const AuthenticatedSender = createParamDecorator(
  (_data: unknown, context: ExecutionContext): User | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().authenticatedSender,
);

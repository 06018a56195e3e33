import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { User } from '../ports/user.store.js';

/** Set on the request by SenderTokenGuard (AUTH_MODE=token) once a bearer token named the sender. */
export interface AuthenticatedRequest extends Request {
  authenticatedSender?: User;
  authenticatedSenderId?: string;
}

/**
 * The user the request's bearer token names (AUTH_MODE=token, after SenderTokenGuard), as a
 * handler parameter; undefined in open mode, where the body's `sender_id` names the sender.
 */
export const AuthenticatedSender = createParamDecorator(
  (_data: unknown, context: ExecutionContext): User | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().authenticatedSender,
);

import type { Request } from 'express';
import type { User } from '../ports/user.store.js';

/**
 * A request whose bearer token named its sender (AUTH_MODE=token): set by SenderTokenGuard,
 * read by the send rate limit (whose budget it spends) and by @AuthenticatedSender().
 */
export interface AuthenticatedRequest extends Request {
  authenticatedSender?: User;
  authenticatedSenderId?: string;
}

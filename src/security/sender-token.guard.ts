import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { InvalidTokenError } from '../common/domain-errors.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthenticatedRequest } from '../common/authenticated-request.js';
import { bearerToken } from '../users/user-token.js';
import { UsersService } from '../users/users.service.js';

/**
 * AUTH_MODE=token: a send must carry `Authorization: Bearer <token>`, and the token names the
 * sender (401 without a valid one). Runs before the rate limit, so that the sender's budget is
 * the token's user's and a client without the token cannot spend it. In open mode (the spec)
 * the header is not looked at.
 */
@Injectable()
export class SenderTokenGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.config.auth.mode === 'open' || this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const token = bearerToken(header);
    const user = token === undefined ? undefined : await this.users.findByToken(token);
    if (!user) throw new InvalidTokenError(header !== undefined);
    req.authenticatedSender = user;
    req.authenticatedSenderId = user.id;
    return true;
  }
}

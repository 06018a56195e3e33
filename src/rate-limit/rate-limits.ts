import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import type { Rate } from '../config/rate.js';
import type { AuthenticatedRequest } from '../common/authenticated-request.js';

/** The rate-limited actions over HTTP; each has its own budget, keyed by its own tracker. */
export type RateLimitedAction = 'create' | 'send' | 'token';
export const RATE_LIMITED_ACTIONS: readonly RateLimitedAction[] = ['create', 'send', 'token'];

/** Route metadata: which action's budget a request spends (see RateLimited). */
export const RATE_LIMITED_ACTION = 'cohora:rate-limited-action';

/** Named in the 429's message: "Too many {what}". */
export const RATE_LIMITED_WHAT: Record<RateLimitedAction, string> = {
  create: 'registrations from this address',
  send: 'messages from this sender',
  token: 'token rotations from this address',
};

export interface RateLimitRule {
  rate: Rate | null;
  /** Whose budget a request spends. */
  tracker: (req: Request) => string;
}

/** The counter's key: the action's budget of one tracker (an address, a sender). */
export function rateLimitKey(action: string, tracker: string): string {
  return `${action} ${tracker}`;
}

/** The tracker of a sender's own sends: a socket's, and an HTTP send's that names or proves its sender. */
export function senderTracker(senderId: string): string {
  return `sender ${senderId}`;
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Registrations and token rotations (RATE_LIMIT_CREATE, each its own budget) are counted per
 * client address. Sends are counted per sender: the one a token
 * proved if any, else the claimed `sender_id`, else (anonymous sends) the client address.
 */
export function rateLimitRules({ rateLimits }: AppConfig): Record<RateLimitedAction, RateLimitRule> {
  return {
    create: {
      rate: rateLimits.create,
      tracker: (req) => `address ${clientAddress(req)}`,
    },
    token: {
      rate: rateLimits.create,
      tracker: (req) => `address ${clientAddress(req)}`,
    },
    send: {
      rate: rateLimits.send,
      tracker: (req: AuthenticatedRequest) => {
        const claimed = (req.body as { sender_id?: unknown } | undefined)?.sender_id;
        const sender =
          req.authenticatedSenderId ?? (typeof claimed === 'string' && claimed !== '' ? claimed : undefined);
        return sender === undefined ? `address ${clientAddress(req)}` : senderTracker(sender);
      },
    },
  };
}

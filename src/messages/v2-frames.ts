import { DomainError } from '../common/domain-errors.js';
import type { AckFrame, ErrorFrame, ReadyFrame, V2Limits } from '../protocol/ws-frames-v2.js';
import { V2_PROTOCOL, V2_REVISION } from '../protocol/ws-frames-v2.js';

/** A client frame of a v2 socket, as read: a send or a watch with its raw fields, or why it is none. */
export type ParsedV2Frame =
  | { type: 'send'; key: unknown; fields: Record<string, unknown> }
  | { type: 'watch'; ids: unknown }
  | { type: 'invalid'; message: string };

/** Reads one inbound frame of a v2 socket; the fields are checked by whoever serves the type. */
export function parseV2Frame(text: string): ParsedV2Frame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 'invalid', message: 'The frame is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { type: 'invalid', message: 'The frame must be a JSON object' };
  }
  const fields = parsed as Record<string, unknown>;
  if (fields.type === 'send') return { type: 'send', key: fields.key, fields };
  if (fields.type === 'watch') return { type: 'watch', ids: fields.ids };
  return {
    type: 'invalid',
    message:
      typeof fields.type === 'string'
        ? `Unknown frame type ${JSON.stringify(fields.type.slice(0, 64))}: expected send or watch`
        : 'The frame needs a type: send or watch',
  };
}

export function readyFrame(userId: string, limits: V2Limits): string {
  const frame: ReadyFrame = { type: 'ready', protocol: V2_PROTOCOL, revision: V2_REVISION, user_id: userId, limits };
  return JSON.stringify(frame);
}

export function ackFrame(key: string, messageId: string, delivery: AckFrame['delivery']): string {
  // Written field by field, as the message frame: one per send on the hot path.
  return `{"type":"ack","key":${JSON.stringify(key)},"message_id":"${messageId}","delivery":"${delivery}"}`;
}

/** The frame REST's error answer becomes on a socket: same status, same text, Retry-After as retry_after. */
export function errorFrame(key: string | null, status: number, message: string, retryAfter?: number): string {
  const frame: ErrorFrame = { type: 'error', key, status, message };
  if (retryAfter !== undefined) frame.retry_after = retryAfter;
  return JSON.stringify(frame);
}

/** A domain error as a frame; undefined for an unknown error (a fault of ours, answered 500 by the caller). */
export function domainErrorFrame(key: string | null, error: unknown): string | undefined {
  if (!(error instanceof DomainError)) return undefined;
  return errorFrame(key, error.status, error.message, error.retryAfterSeconds);
}

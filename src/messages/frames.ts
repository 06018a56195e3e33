import type { StoredMessage } from '../ports/message.store.js';
import { parseMessageId } from '../protocol/message-id.js';

/** The largest frame a client may send; an auth frame needs a fraction of this. */
export const MAX_INBOUND_FRAME_BYTES = 16 * 1024;

/** What a client receives for each message: `from` and `message` are the spec's, the rest PROTOCOL.md's. */
export interface MessageFrame {
  from: string;
  message: string;
  from_id: string | null;
  id: string;
  sent_at: string;
}

/** The first frame a client sends: who it is, and optionally the last message id it holds. */
export interface AuthFrame {
  id: string;
  /** Undefined when absent or not an id of ours: then everything still retained is replayed. */
  since?: string;
  /** Whether the client asked to resume at all. */
  resume: boolean;
  /** The user's secret token, checked in AUTH_MODE=token (ignored in open mode, as the spec has it). */
  token?: string;
}

/** Close codes, each with the reason text sent beside it. */
export const Close = {
  /** Shutdown or reload: reconnect after a random delay, and resume with since. */
  ServiceRestart: { code: 1012, reason: 'Service restart: reconnect after a random delay' },
  Unauthorized: { code: 4401, reason: 'Unauthorized' },
  /** AUTH_MODE=token: the token this socket proved has been replaced (rotate-token). */
  TokenRotated: { code: 4401, reason: 'Unauthorized: token rotated' },
  AuthTimeout: { code: 4408, reason: 'Authentication timeout' },
  TooSlow: { code: 4429, reason: 'Too slow: reconnect and resume with since' },
  /** The socket sent more frames than RATE_LIMIT_WS_FRAMES allows (a spec client sends one). */
  TooManyFrames: { code: 1008, reason: 'Policy violation: too many frames' },
  /** The user already holds MAX_SOCKETS_PER_USER sockets on this process. */
  TooManyConnections: { code: 4409, reason: 'Too many connections for this user' },
  InternalError: { code: 1011, reason: 'Internal error: reconnect and resume with since' },
} as const;
export type CloseReason = (typeof Close)[keyof typeof Close];

/**
 * The frame's JSON text, written field by field: the same text JSON.stringify would give for a
 * MessageFrame, without building the object first (this runs once per message, and for every
 * message of a backlog).
 */
export function messageFrame(message: StoredMessage): string {
  const fromId = message.senderId === null ? 'null' : JSON.stringify(message.senderId);
  return (
    `{"from":${JSON.stringify(message.senderName)},"message":${JSON.stringify(message.text)},` +
    `"from_id":${fromId},"id":"${message.id}","sent_at":"${message.sentAt.toISOString()}"}`
  );
}

/** Reads an auth frame; undefined for anything that is not `{ "id": "<non-empty string>", ... }`. */
export function parseAuthFrame(data: string): AuthFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { id, since, token } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
  const resume = since !== undefined && since !== null;
  const frame: AuthFrame = { id, since: resume ? parseMessageId(since) : undefined, resume };
  if (typeof token === 'string') frame.token = token;
  return frame;
}

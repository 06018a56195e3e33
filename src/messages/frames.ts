import type { StoredMessage } from '../ports/message.store.js';
import { CloseCode } from '../protocol/close-codes.js';
import { parseMessageId } from '../protocol/message-id.js';
import type { AuthFrame } from '../protocol/ws-frames.js';
import { V2_PROTOCOL } from '../protocol/ws-frames-v2.js';
import type { WebSocket } from 'ws';

/** An auth frame as the server reads it (the wire shape is protocol/ws-frames.ts's AuthFrame). */
export interface AuthRequest extends Pick<AuthFrame, 'id' | 'token'> {
  /** Undefined when absent or not an id of ours: then everything still retained is replayed. */
  since?: string;
  /** Whether the client asked to resume at all. */
  resume: boolean;
}

/** The close codes the server sends (protocol/close-codes.ts), each with the reason text sent beside it. */
export const Close = {
  ServiceRestart: { code: CloseCode.ServiceRestart, reason: 'Service restart: reconnect after a random delay' },
  Unauthorized: { code: CloseCode.Unauthorized, reason: 'Unauthorized' },
  /** AUTH_MODE=token: the token this socket proved has been replaced (rotate-token). */
  TokenRotated: { code: CloseCode.Unauthorized, reason: 'Unauthorized: token rotated' },
  AuthTimeout: { code: CloseCode.AuthTimeout, reason: 'Authentication timeout' },
  TooSlow: { code: CloseCode.TooSlow, reason: 'Too slow: reconnect and resume with since' },
  TooManyFrames: { code: CloseCode.PolicyViolation, reason: 'Policy violation: too many frames' },
  TooManyConnections: { code: CloseCode.TooManyConnections, reason: 'Too many connections for this user' },
  InternalError: { code: CloseCode.InternalError, reason: 'Internal error: reconnect and resume with since' },
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
export function parseAuthFrame(data: string): AuthRequest | undefined {
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
  const frame: AuthRequest = { id, since: resume ? parseMessageId(since) : undefined, resume };
  if (typeof token === 'string') frame.token = token;
  return frame;
}

/**
 * ws's handleProtocols: `cohora.v2` when offered, else none. ws alone would echo whatever the
 * client offered first, a subprotocol cohora does not speak.
 */
export function selectProtocol(offered: Set<string>): string | false {
  return offered.has(V2_PROTOCOL) ? V2_PROTOCOL : false;
}

/**
 * Narrows one socket's inbound frame limit below the server's (ws takes one maxPayload per
 * server): a v1 socket keeps its 16 KiB, closed with 1009 before a larger frame is read.
 * ws keeps the limit on the socket's receiver, which has no public setter.
 */
export function limitInboundFrames(socket: WebSocket, maxBytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload: number } })._receiver;
  if (receiver) receiver._maxPayload = maxBytes;
}

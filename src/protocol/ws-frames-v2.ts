/**
 * The frames of a `cohora.v2` socket (docs/protocol-v2.md, revision 1), beside v1's message and
 * auth frames in ws-frames.ts: defined once, for the server that writes them and the SDK that
 * reads them. Every v2 server frame but the message frame has a `type`.
 */
import type { MessageFrame } from './ws-frames.js';

/** The WebSocket subprotocol a client offers to get a two-way socket. */
export const V2_SUBPROTOCOL = 'cohora.v2';
/** The revision of docs/protocol-v2.md this file follows. */
export const V2_REVISION = 1;

export type Delivery = 'delivered' | 'queued';

export interface V2Limits {
  max_message_length: number;
  max_frame_bytes: number;
  /** Sends on one socket still waiting for their ack or error. */
  max_in_flight: number;
  /** Ids one `watch` may name. */
  max_watch: number;
}

/** The server's first frame once the socket is admitted; the client sends nothing before it. */
export interface ReadyFrame {
  type: 'ready';
  protocol: typeof V2_SUBPROTOCOL;
  revision: number;
  user_id: string;
  limits: V2Limits;
}

/** A send was committed (or was a repeat of one that was): what the REST send's 200 says. */
export interface AckFrame {
  type: 'ack';
  key: string;
  message_id: string;
  delivery: Delivery;
}

/** A refused send (`key` set) or a refused frame that is not a well-formed send (`key` null). */
export interface ErrorFrame {
  type: 'error';
  key: string | null;
  /** The status the REST send would answer for the same input, with the same message. */
  status: number;
  message: string;
  /** Seconds, present whenever REST would send Retry-After. */
  retry_after?: number;
}

/** Users registered after this socket's `ready`, oldest first (coalesced: at most one frame per 250 ms). */
export interface UsersFrame {
  type: 'users';
  added: Array<{ id: string; name: string }>;
}

/** Watched users' state: every watched id after a `watch`, then only those that changed. */
export interface PresenceFrame {
  type: 'presence';
  online: string[];
  offline: string[];
}

export type TypedServerFrame = ReadyFrame | AckFrame | ErrorFrame | UsersFrame | PresenceFrame;
/** Anything a v2 socket receives: a v1 message frame has no `type`. */
export type ServerFrameV2 = MessageFrame | TypedServerFrame;

/** Sends a message as the socket's user; answered by an `ack` or an `error` with the same key. */
export interface SendFrame {
  type: 'send';
  /** An Idempotency-Key (1–255 printable ASCII characters), shared with the REST send. */
  key: string;
  recipient_id: string;
  message: string;
}

/** Replaces the socket's watch list (at most `max_watch` ids; `[]` clears it); answered by a presence snapshot. */
export interface WatchFrame {
  type: 'watch';
  ids: string[];
}

export type ClientFrameV2 = SendFrame | WatchFrame;

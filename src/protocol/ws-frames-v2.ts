/**
 * The frames of the `cohora.v2` subprotocol (docs/protocol-v2.md), beside v1's in ws-frames.ts:
 * defined once, for the server that writes them and the SDK that reads them. A v2 socket
 * receives v1's MessageFrame unchanged (it has no `type`); every other server frame has one.
 */

/** The WebSocket subprotocol a client offers to get a two-way socket. */
export const V2_PROTOCOL = 'cohora.v2';
/** The revision of docs/protocol-v2.md this code speaks; `ready` carries it. */
export const V2_REVISION = 1;

/** The largest frame a v2 client may send (the REST body limit); a larger one is closed with 1009. */
export const V2_MAX_FRAME_BYTES = 64 * 1024;
/** Sends one socket may have unanswered; one more is answered 429. */
export const V2_MAX_IN_FLIGHT = 256;
/** Ids one `watch` may name; more is answered 400. */
export const V2_MAX_WATCH = 256;
/** The shortest time between two `users` (or two `presence`) frames to one socket. */
export const V2_COALESCE_MS = 250;
/** The most users one `users` frame lists. */
export const V2_MAX_USERS_PER_FRAME = 1_000;

export interface V2Limits {
  max_message_length: number;
  max_frame_bytes: number;
  max_in_flight: number;
  max_watch: number;
}

/** The server's first frame on an admitted v2 socket, before any message. */
export interface ReadyFrame {
  type: 'ready';
  protocol: typeof V2_PROTOCOL;
  revision: number;
  user_id: string;
  limits: V2Limits;
}

/** A send was committed (or a repeat of its key replays the first one's answer). */
export interface AckFrame {
  type: 'ack';
  key: string;
  message_id: string;
  delivery: 'delivered' | 'queued';
}

/** A refusal, with the status and text REST would answer; `key` null for a frame that is not a well-formed send. */
export interface ErrorFrame {
  type: 'error';
  key: string | null;
  status: number;
  message: string;
  /** Seconds; present whenever REST would send Retry-After. */
  retry_after?: number;
}

/** A user of the directory, as `users` lists them. */
export interface DirectoryEntry {
  id: string;
  name: string;
}

/** Users registered after this socket's `ready`, oldest first. */
export interface UsersFrame {
  type: 'users';
  added: DirectoryEntry[];
}

/** Watched users' state: the whole watch list after a `watch`, then only changes. */
export interface PresenceFrame {
  type: 'presence';
  online: string[];
  offline: string[];
}

export type ServerFrameV2 = ReadyFrame | AckFrame | ErrorFrame | UsersFrame | PresenceFrame;

/** Sends a message from the socket's user. */
export interface SendFrame {
  type: 'send';
  /** Same form and meaning as REST's Idempotency-Key: 1–255 printable ASCII characters. */
  key: string;
  recipient_id: string;
  message: string;
}

/** Replaces the socket's watch list (at most max_watch ids; [] clears it). */
export interface WatchFrame {
  type: 'watch';
  ids: string[];
}

export type ClientFrameV2 = SendFrame | WatchFrame;

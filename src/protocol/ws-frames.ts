/**
 * The frames of `/ws`, as they travel (the spec plus PROTOCOL.md): defined once, for the
 * server that writes them and the SDK that reads them.
 */

/** What a client receives for each message: `from` and `message` are the spec's, the rest PROTOCOL.md's. */
export interface MessageFrame {
  from: string;
  message: string;
  /** The sender's id; null for a message sent without `sender_id` (from `anonymous`). */
  from_id: string | null;
  /** 16 digits, in acceptance order: the value to send back as `since`. */
  id: string;
  sent_at: string;
}

/** The one frame a client sends on `/ws`, right after the socket opens. */
export interface AuthFrame {
  id: string;
  /** The last message id this client holds: the server replays everything after it. */
  since?: string;
  /** The user's secret token, checked in AUTH_MODE=token (ignored in open mode, as the spec has it). */
  token?: string;
}

/** The largest frame a client may send (a larger one is closed with 1009); an auth frame needs a fraction of this. */
export const MAX_INBOUND_FRAME_BYTES = 16 * 1024;

/**
 * cohora's wire format as a client sees it (the spec plus PROTOCOL.md). The SDK keeps its own
 * copy of these shapes rather than importing the server's: this folder must load in a browser.
 */

/** `POST /api/users/create` answers 201 with this; `token` arrives once the server issues tokens. */
export interface CreateUserResponse {
  id: string;
  token?: string;
}

/** `GET /api/users/list`: every registered user, display name to id. */
export interface ListUsersResponse {
  users: Record<string, string>;
}

export interface SendMessageRequest {
  recipient_id: string;
  message: string;
  /** Who sends; without it the recipient sees the message as from `anonymous`. */
  sender_id?: string;
}

export type Delivery = 'delivered' | 'queued';

export interface SendMessageResponse {
  status: 'success';
  details: string;
  /** `delivered`: a socket of the recipient took it; `queued`: stored until they connect. */
  delivery: Delivery;
  /** The stored message's id: the `id` its frame carries to the recipient. */
  message_id: string;
}

/** What the server pushes on `/ws` for each message. */
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
  token?: string;
}

/** Close codes cohora uses on `/ws`. Only `Unauthorized` means "stop trying". */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** No close frame: the network dropped, or the server could not be reached. */
  Abnormal: 1006,
  TooLarge: 1009,
  InternalError: 1011,
  Unauthorized: 4401,
  AuthTimeout: 4408,
  TooSlow: 4429,
} as const;

/** The error body every cohora HTTP error carries (Nest's shape). */
export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error?: string;
}

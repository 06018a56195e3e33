/**
 * cohora's HTTP bodies as a client sees them (the spec plus PROTOCOL.md). The `/ws` frames and
 * close codes are defined once for server and SDK in src/protocol/, the browser-safe kernel.
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
  /** Who sends; without it (or null) the recipient sees the message as from `anonymous`. */
  sender_id?: string | null;
}

export type Delivery = 'delivered' | 'queued';

export interface SendMessageResponse {
  status: 'success';
  details: string;
  /** `delivered`: a socket of the recipient took it; `queued`: stored until they connect. */
  delivery: Delivery;
  /** The stored message's id: the `id` of the frame the recipient gets (and the sender, when sending to themselves). */
  message_id: string;
}

/** The error body every cohora HTTP error carries (Nest's shape). */
export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error?: string;
}

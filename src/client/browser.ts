// cohora's SDK for browsers (`cohora/client` under the browser condition): what runs anywhere, plus a
// history kept in localStorage. Code in this repository imports the files it means instead.
export { Backoff, type BackoffOptions } from './backoff.js';
export { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from './client-errors.js';
export type { Clock } from './clock.js';
export {
  CohoraClient,
  type CohoraClientOptions,
  newIdempotencyKey,
  type SendMessageInput,
  type SendRetryOptions,
} from './cohora-client.js';
export {
  CohoraConnection,
  type ConnectionEvents,
  type ConnectionOptions,
  type ConnectionState,
  parseMessageFrame,
} from './cohora-connection.js';
export {
  type HistoryEntry,
  HistoryStore,
  incomingEntry,
  lastReceivedId,
  outgoingEntry,
  withServerId,
  peerIdOf,
  peerNameOf,
  type Person,
} from './history.store.js';
export { MemoryHistoryStore } from './memory-history.store.js';
export { MessageDeduper } from './message-deduper.js';
export * from './protocol.js';
export { CloseCode, type CloseCodeValue } from '../protocol/close-codes.js';
export { type AuthFrame, MAX_INBOUND_FRAME_BYTES, type MessageFrame } from '../protocol/ws-frames.js';
export { ReconnectPolicy, RESTART_DELAY_MS, TOO_MANY_CONNECTIONS_DELAY_MS } from './reconnect-policy.js';
export { ServerUrl } from './server-url.js';
export type { SocketConstructor, SocketLike } from './socket-like.js';
export { findUser } from './user-lookup.js';
export {
  type StorageLike,
  WebStorageHistoryStore,
  type WebStorageHistoryOptions,
} from './web-storage-history.store.js';

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
  DEFAULT_V2_LIMITS,
  parseMessageFrame,
  type ServerProtocol,
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
export { LiveDirectory, type LiveDirectoryEvents } from './live-directory.js';
export { MemoryHistoryStore } from './memory-history.store.js';
export { type Peer, PeopleIndex } from './people-index.js';
export { MessageDeduper } from './message-deduper.js';
export type { PresenceChange } from './presence-watch.js';
export type { SendAck, SocketSendOptions } from './socket-send-queue.js';
export * from './protocol.js';
export { CloseCode, type CloseCodeValue } from '../protocol/close-codes.js';
export { type AuthFrame, MAX_INBOUND_FRAME_BYTES, type MessageFrame } from '../protocol/ws-frames.js';
export {
  type AckFrame,
  type ClientFrameV2,
  type DirectoryEntry,
  type ErrorFrame,
  type PresenceFrame,
  type ReadyFrame,
  type SendFrame,
  type ServerFrameV2,
  type UsersFrame,
  V2_PROTOCOL,
  V2_REVISION,
  type V2Limits,
  type WatchFrame,
} from '../protocol/ws-frames-v2.js';
export { ReconnectPolicy, RESTART_DELAY_MS, TOO_MANY_CONNECTIONS_DELAY_MS } from './reconnect-policy.js';
export { ServerUrl } from './server-url.js';
export type { SocketConstructor, SocketLike } from './socket-like.js';
export { findUser } from './user-lookup.js';
export {
  type StorageLike,
  WebStorageHistoryStore,
  type WebStorageHistoryOptions,
} from './web-storage-history.store.js';

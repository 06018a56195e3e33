/**
 * The part of the WebSocket API the connection uses: the browser's native WebSocket and the
 * `ws` package's both provide it, so the connection runs unchanged on either.
 */
export interface SocketLike {
  binaryType: string;
  /** The subprotocol the server selected once the socket is open; '' for none. */
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string, protocols?: string[]) => SocketLike;

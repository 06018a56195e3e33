/**
 * Every close code cohora's `/ws` uses, for the server that sends them and the SDK that acts on
 * them (docs/decisions.md, "Close codes"). This folder is the kernel both sides share: it
 * imports nothing and runs in a browser as well as in Node.
 */
export const CloseCode = {
  /** The client closed (SDK: close()). */
  Normal: 1000,
  GoingAway: 1001,
  /** No close frame: the network dropped, or the server could not be reached. */
  Abnormal: 1006,
  /** The socket sent more frames than RATE_LIMIT_WS_FRAMES allows (a spec client sends one). */
  PolicyViolation: 1008,
  /** A frame over the 16 KiB inbound limit. */
  TooLarge: 1009,
  /** The store failed while serving the socket: reconnect and resume with `since`. */
  InternalError: 1011,
  /** Shutdown or reload: reconnect after a random 0.5–5 s and resume with `since`. */
  ServiceRestart: 1012,
  /** Unknown or missing id, a first frame that is not JSON, a bad or rotated token: stop. */
  Unauthorized: 4401,
  /** No auth frame within AUTH_TIMEOUT_MS. */
  AuthTimeout: 4408,
  /** The user already holds MAX_SOCKETS_PER_USER sockets on this process. */
  TooManyConnections: 4409,
  /** The client stopped reading: reconnect and resume with `since`. */
  TooSlow: 4429,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Where a cohora server lives: its base URL as the user typed it. Paths are resolved relative
 * to it, so a server behind a reverse proxy at `https://host/chat/` works too.
 */
export class ServerUrl {
  private readonly base: URL;

  constructor(server: string) {
    const base = new URL(server);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`a server URL starts with http:// or https://, got ${JSON.stringify(server)}`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    base.search = '';
    base.hash = '';
    this.base = base;
  }

  /** The base URL without a trailing slash, as it is shown to people. */
  toString(): string {
    return this.base.href.replace(/\/$/, '');
  }

  /** `path` without a leading slash, e.g. `api/users/list`. */
  http(path: string): string {
    return new URL(path, this.base).href;
  }

  /** The WebSocket endpoint: ws:// or wss:// to match http:// or https://. */
  get ws(): string {
    const url = new URL('ws', this.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }
}

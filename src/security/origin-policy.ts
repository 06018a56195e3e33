/**
 * The browser origins allowed to use cohora, from ALLOWED_ORIGINS. Browsers always send
 * `Origin` on a WebSocket upgrade and on a cross-site POST, so refusing unknown origins stops a
 * page on another site from using a visitor's browser against cohora (cross-site WebSocket
 * hijacking). Clients that are not browsers send no Origin and are not judged by it.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  /** `allowed` in the form browsers send (`https://chat.example.com`); empty: every origin. */
  constructor(allowed: readonly string[]) {
    this.allowed = new Set(allowed);
  }

  /** Whether an Origin check is configured at all. */
  get enforced(): boolean {
    return this.allowed.size > 0;
  }

  get origins(): string[] {
    return [...this.allowed];
  }

  /** Exact comparison: scheme, host and port must all match an entry. */
  allows(origin: string | undefined): boolean {
    return origin === undefined || !this.enforced || this.allowed.has(origin);
  }
}

/**
 * A connection URL fit for logs, errors and lock names: `postgres://app:secret@db` becomes
 * `postgres://app:***@db`. Anything that is not such a URL comes back unchanged.
 */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/i, '$1:***@');
}

import { StoreUnavailableError } from '../../common/domain-errors.js';
import type { StorageFault } from '../../ports/message.store.js';

/** Socket errors: the server is down, unreachable, or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTDOWN',
  'ENETDOWN',
]);

/**
 * A socket call that failed means no database to talk to, whatever its code: a blackhole route
 * fails connect() with EINVAL, a prohibit route or a firewall's DROP with EACCES or EPERM.
 */
const SOCKET_CALLS = new Set(['connect', 'read', 'write', 'getaddrinfo']);

/**
 * SQLSTATE classes that say "not now" rather than "not this": 08 connection exception,
 * 40 transaction rollback (deadlock, serialization; left after retries), 53 insufficient
 * resources (too many connections), 57 operator intervention (admin shutdown, statement
 * timeout), 58 system error.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

/** lock_not_available: another session's lock outlasted lock_timeout; the statement rolled back. */
const LOCK_NOT_AVAILABLE = '55P03';

/** node-postgres reports a lost or late connection in words, without a code. */
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/;

/** The SQLSTATE of an error the server sent, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Whether `error` means the database cannot serve now, as opposed to a bug or a refused statement. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  // Network codes first: EPIPE has the shape of a SQLSTATE.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (typeof syscall === 'string' && SOCKET_CALLS.has(syscall)) return true;
  const state = sqlState(error);
  // 55P03: the lock_timeout passed while another session held a lock the statement needed.
  if (state) return TRANSIENT_CLASSES.has(state.slice(0, 2)) || state === LOCK_NOT_AVAILABLE;
  return error instanceof Error && DRIVER_MESSAGES.test(error.message);
}

/** A deadlock or serialization failure: running the same transaction again is expected to succeed. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}

/** disk_full (53100) or read_only_sql_transaction (25006): the server takes no writes now. */
export function storageFault(error: unknown): StorageFault | undefined {
  const state = sqlState(error);
  if (state === '53100') return 'full';
  if (state === '25006') return 'read-only';
  return undefined;
}

import { statfsSync } from 'node:fs';
import { DomainError, InsufficientStorageError, StoreUnavailableError } from '../../common/domain-errors.js';

/** Below this many free bytes, an I/O error while writing is taken for a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * What a failed SQLite write means to a client. SQLite commits a transaction whole or not at
 * all, so a failed one stored nothing: a full disk or read-only file is a 507, a busy or
 * failing file a 503. Domain errors (a full queue, a reused key) pass through.
 */
export function sqliteWriteFailure(error: unknown, dataDir: string): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code === 'SQLITE_FULL') return new InsufficientStorageError('full', { cause: error });
  if (code.startsWith('SQLITE_READONLY')) return new InsufficientStorageError('read-only', { cause: error });
  if (code.startsWith('SQLITE_IOERR') && freeBytes(dataDir) < NEARLY_FULL_BYTES) {
    return new InsufficientStorageError('full', { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError({ cause: error });
  }
  return error;
}

function freeBytes(dir: string): number {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

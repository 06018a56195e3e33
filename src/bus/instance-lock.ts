import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, unlinkSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { join } from 'node:path';

/** A second process tried to serve data that another process serves on an in-process bus. */
export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
}

/**
 * Proves this is the only process serving a data directory. It listens on a Unix socket named
 * after the directory: the kernel frees it when the process dies, even by SIGKILL, so a crash
 * never leaves a stale lock behind. On Linux the socket lives in the abstract namespace; other
 * systems use a socket file in the directory, and remove one whose owner has died.
 */
export class InstanceLock {
  private constructor(private readonly server: Server) {}

  static async acquire(dataDir: string): Promise<InstanceLock> {
    mkdirSync(dataDir, { recursive: true });
    // The real path, so that two spellings of one directory (a symlink, a relative path) share a lock.
    const realDir = realpathSync(dataDir);
    const address =
      process.platform === 'linux'
        ? `\0cohora-${createHash('sha256').update(realDir).digest('hex').slice(0, 32)}`
        : join(realDir, '.cohora.lock');
    try {
      return new InstanceLock(await listen(address));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      if (process.platform !== 'linux' && !(await answers(address))) {
        unlinkSync(address);
        return new InstanceLock(await listen(address));
      }
      throw new InstanceLockedError(
        `Another cohora process already serves ${dataDir} with the in-process bus. ` +
          'Run a single instance (PM2 fork mode, instances: 1), or give each process its own DATA_DIR.',
      );
    }
  }

  release(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      // The lock must never keep the process alive by itself.
      server.unref();
      resolve(server);
    });
  });
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

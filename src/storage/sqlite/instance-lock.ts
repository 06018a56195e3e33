import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, unlinkSync } from 'node:fs';
import { type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';

/** A process tried to serve data that other processes serve on a bus it cannot share. */
export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
}

/**
 * Guards a SQLite data directory against processes that could not reach each other's sockets.
 * Each process names its bus: `local` (the in-process bus, which must be alone) or a shared
 * bus such as `redis://host:6379 cohora:`, which any number of processes naming the same bus
 * may share.
 *
 * One process holds a Unix socket named after the directory and answers every caller with its
 * bus. The kernel frees the socket when the holder dies, even by SIGKILL, so a crash never
 * leaves a stale lock; on a shared bus the others stay connected to the holder and one of them
 * takes the socket over when it goes. On Linux the socket lives in the abstract namespace;
 * other systems use a socket file in the directory, and remove one whose owner has died.
 */
export class InstanceLock {
  private holding?: Holding;
  private link?: Socket;
  private released = false;

  private constructor(
    private readonly address: string,
    private readonly bus: string,
    private readonly dataDir: string,
  ) {}

  static async acquire(dataDir: string, bus = 'local'): Promise<InstanceLock> {
    mkdirSync(dataDir, { recursive: true });
    // The real path, so that two spellings of one directory (a symlink, a relative path) share a lock.
    const realDir = realpathSync(dataDir);
    const address =
      process.platform === 'linux'
        ? `\0cohora-${createHash('sha256').update(realDir).digest('hex').slice(0, 32)}`
        : join(realDir, '.cohora.lock');
    const lock = new InstanceLock(address, bus, dataDir);
    await lock.take();
    return lock;
  }

  async release(): Promise<void> {
    this.released = true;
    this.link?.destroy();
    await this.holding?.close();
  }

  /** Holds the socket, or joins its holder when both name the same shared bus. */
  private async take(): Promise<void> {
    for (;;) {
      try {
        this.holding = await listen(this.address, this.bus);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
      const holder = await ask(this.address);
      if (holder === undefined) {
        // The holder died between our two tries (or left a socket file behind): try again.
        if (process.platform !== 'linux') unlinkSync(this.address);
        continue;
      }
      if (this.bus === 'local' || holder.bus !== this.bus) throw this.refusal(holder.bus);
      this.link = holder.socket;
      // When the holder goes, one of the processes still sharing the bus takes its place.
      holder.socket.once('close', () => {
        if (!this.released) void this.take().catch(() => undefined);
      });
      return;
    }
  }

  private refusal(holderBus: string): InstanceLockedError {
    if (holderBus === 'local') {
      return new InstanceLockedError(
        `Another cohora process already serves ${this.dataDir} with the in-process bus. ` +
          'Run a single instance (PM2 fork mode, instances: 1), give each process its own DATA_DIR, ' +
          'or set REDIS_URL on every process.',
      );
    }
    return new InstanceLockedError(
      `Other cohora processes serve ${this.dataDir} on a different bus (${holderBus}). ` +
        'Every process on one DATA_DIR must have the same REDIS_URL and REDIS_PREFIX.',
    );
  }
}

interface Holding {
  close(): Promise<void>;
}

/** Listens on the lock's address and tells every caller which bus the data is served on. */
function listen(address: string, bus: string): Promise<Holding> {
  return new Promise((resolve, reject) => {
    // Callers that share the bus stay connected: the connection closing tells them the holder is gone.
    const callers = new Set<Socket>();
    const server = createServer((socket) => {
      callers.add(socket);
      socket.unref();
      socket.on('error', () => socket.destroy());
      socket.once('close', () => callers.delete(socket));
      socket.write(`${bus}\n`);
    });
    server.once('error', reject);
    // Exclusive: in a cluster worker (PM2 cluster mode) a plain listen is handed to the primary,
    // which would hold the lock for every worker at once and never answer `ask`.
    server.listen({ path: address, exclusive: true }, () => {
      server.off('error', reject);
      // The lock must never keep the process alive by itself.
      server.unref();
      resolve({
        close: () =>
          new Promise((closed) => {
            server.close(() => closed());
            for (const socket of callers) socket.destroy();
          }),
      });
    });
  });
}

/** The holder's bus, with the connection still open (it closes when the holder goes); undefined if none answers. */
function ask(address: string): Promise<{ bus: string; socket: Socket } | undefined> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (!answer.includes('\n')) return;
      socket.removeAllListeners('data');
      socket.unref();
      resolve({ bus: answer.slice(0, answer.indexOf('\n')), socket });
    });
    socket.on('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
  });
}

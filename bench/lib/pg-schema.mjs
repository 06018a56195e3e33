// A throwaway PostgreSQL schema for one run, and the CPU of the backends that serve cohora in
// it. cohora's URL names the schema in its search_path and carries an application_name of the
// schema's name, so pg_stat_activity tells its pool's backends from everyone else's.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpuSeconds } from './proc-stats.mjs';

/** The machine's PostgreSQL (trust authentication, see ../../shared/STACK.md), or BENCH_DATABASE_URL. */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const POLL_MS = 200;

/**
 * Creates schema `cohora_bench_<random>`; resolves with `{ name, url, backends, drop() }`.
 * `url` is what cohora gets as DATABASE_URL; `backends` measures its connections' CPU.
 */
export async function createSchema(base = BENCH_DATABASE_URL) {
  const name = `cohora_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000, application_name: 'cohora-bench' });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not answer at ${new URL(base).host} (${error.message}); the store scenario needs it ` +
        '(pg_ctlcluster --skip-systemctl-redirect 15 main start, or set BENCH_DATABASE_URL)',
    );
  }
  admin.on('error', () => undefined); // a server restart mid-run: drop() reports it
  await admin.query(`CREATE SCHEMA ${name}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${name}`);
  url.searchParams.set('application_name', name);
  const backends = new BackendCpu(admin, name);
  return {
    name,
    url: url.toString(),
    backends,
    async drop() {
      backends.stop();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    },
  };
}

/**
 * CPU of the PostgreSQL backends whose application_name is the schema's. The pool opens
 * connections as load comes, so they are looked up every 200 ms while measuring; `open()`
 * starts a window (as cpuLedger wants it). A backend first seen inside the window counts with
 * all its CPU (it was opened during the run); one that ends inside the window takes its CPU
 * with it, counted in `lost`.
 */
class BackendCpu {
  constructor(admin, applicationName) {
    this.admin = admin;
    this.applicationName = applicationName;
    /** Backend pids seen so far. */
    this.seen = new Set();
    this.lost = 0;
  }

  /** Starts looking up backends; resolves after the first look. */
  async watch() {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop() {
    clearInterval(this.timer);
  }

  get count() {
    return this.seen.size;
  }

  async poll() {
    try {
      const { rows } = await this.admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [this.applicationName]);
      for (const { pid } of rows) this.seen.add(pid);
    } catch {
      // the next poll tries again
    }
  }

  open() {
    const start = new Map([...this.seen].map((pid) => [pid, readCpu(pid)]));
    return {
      end: () => {
        let total = 0;
        for (const pid of this.seen) {
          const before = start.get(pid) ?? 0;
          if (Number.isNaN(before)) continue; // ended before the window
          const now = readCpu(pid);
          if (Number.isNaN(now)) this.lost++;
          else total += now - before;
        }
        return total;
      },
    };
  }
}

function readCpu(pid) {
  try {
    return cpuSeconds(pid);
  } catch {
    return NaN;
  }
}

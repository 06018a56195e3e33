import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of the test's own, made with the installed binaries (initdb, pg_ctl) in a
 * temporary directory, trust authentication, listening on `host` only (a namespace's address).
 * PostgreSQL refuses to run as root, so it runs as the `postgres` user, which owns the directory.
 */
export class PostgresServer {
  private constructor(
    private readonly dir: string,
    private readonly wrap: string[],
    readonly host: string,
    readonly port: number,
  ) {}

  /** `wrap` runs pg_ctl elsewhere, e.g. `ip netns exec <ns>`. */
  static async start(host: string, port = 5432, wrap: string[] = []): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-pg-'));
    const { uid, gid } = await postgresUser();
    chownSync(dir, uid, gid);
    const server = new PostgresServer(dir, wrap, host, port);
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      `${BIN}/initdb`,
      '-D',
      server.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
    ]);
    // Any address may connect: the server listens on `host` alone, inside the test's own network.
    appendFileSync(join(server.dataDir, 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\n');
    await server.pgCtl(
      'start',
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-c listen_addresses=${host} -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`,
    );
    return server;
  }

  get url(): string {
    return `postgres://postgres@${this.host}:${this.port}/postgres`;
  }

  async stop(): Promise<void> {
    await this.pgCtl('stop', '-m', 'immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private async pgCtl(...args: string[]): Promise<void> {
    const [command, ...rest] = [
      ...this.wrap,
      'runuser',
      '-u',
      'postgres',
      '--',
      `${BIN}/pg_ctl`,
      '-D',
      this.dataDir,
      ...args,
    ];
    await run(command, rest);
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout)),
  );
  return { uid, gid };
}

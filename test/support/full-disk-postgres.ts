import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL 15 whose data directory sits on a small tmpfs a test can fill, with its
 * WAL kept on the ordinary disk: a full data disk then refuses writes with disk_full (53100)
 * instead of stopping the server. Needs root (mount; initdb runs as postgres).
 */
export class FullDiskPostgres {
  private constructor(
    private readonly root: string,
    readonly url: string,
  ) {}

  /** Where a test writes a filler file to take the last free byte. */
  get dataDisk(): string {
    return join(this.root, 'data');
  }

  static async start(sizeMb = 64): Promise<FullDiskPostgres> {
    const root = mkdtempSync(join(tmpdir(), 'cohora-pg-full-'));
    const data = join(root, 'data');
    mkdirSync(data);
    mkdirSync(join(root, 'wal'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', data]);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const dir of [root, data, join(root, 'wal')]) chownSync(dir, uid, gid);
    const port = await freePort();
    const asPostgres = (command: string, args: string[]) =>
      execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { stdio: 'ignore' });
    try {
      asPostgres('initdb', [
        '-D',
        join(data, 'pg'),
        `--waldir=${join(root, 'wal', 'pg_wal')}`,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
      ]);
      asPostgres('pg_ctl', [
        '-D',
        join(data, 'pg'),
        '-o',
        `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`,
        '-l',
        join(root, 'server.log'),
        '-w',
        'start',
      ]);
    } catch (error) {
      execFileSync('umount', ['-l', data]);
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
    return new FullDiskPostgres(root, `postgres://postgres@127.0.0.1:${port}/postgres`);
  }

  stop(): void {
    try {
      execFileSync(
        'runuser',
        ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', join(this.dataDisk, 'pg'), '-m', 'immediate', '-w', 'stop'],
        {
          stdio: 'ignore',
        },
      );
    } finally {
      execFileSync('umount', ['-l', this.dataDisk]);
      rmSync(this.root, { recursive: true, force: true });
    }
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export const NGINX = '/usr/sbin/nginx';
const SHIPPED = resolve(import.meta.dirname, '../../deploy/nginx/cohora.conf');

export interface NginxOptions {
  /** The address nginx listens on (a namespace's own, or loopback). */
  host?: string;
  /** Where nginx runs: a command prefix such as `ip netns exec lb` (the test's own namespace). */
  wrap?: string[];
}

/**
 * Debian's real nginx (`apt-get install -y nginx`) as a private instance of the test's own:
 * the shipped deploy/nginx/cohora.conf with the test's upstreams and port put in, inside a
 * minimal main configuration, in a directory of its own, stopped by its PID.
 */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly host: string,
    readonly port: number,
    private output: string,
  ) {
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static available(): boolean {
    return existsSync(NGINX);
  }

  static async start(upstreams: string[], { host = '127.0.0.1', wrap = [] }: NginxOptions = {}): Promise<Nginx> {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-nginx-'));
    mkdirSync(join(dir, 'logs'));
    const port = await freePort();
    writeFileSync(join(dir, 'cohora.conf'), siteFor(upstreams, `${host}:${port}`));
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'worker_processes 1;',
        'error_log stderr warn;',
        'pid logs/nginx.pid;',
        'events { worker_connections 4096; }',
        'http {',
        '    access_log off;',
        `    include ${join(dir, 'cohora.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'];
    const [command, ...rest] = [...wrap, NGINX, ...args];
    const child = spawn(command, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    const nginx = new Nginx(child, dir, host, port, '');
    const exited = once(child, 'exit').then(() => {
      throw new Error(`nginx exited before listening:\n${nginx.output}`);
    });
    await Promise.race([exited, waitForPort(host, port)]);
    exited.catch(() => undefined);
    return nginx;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  /** Stops nginx (SIGQUIT would wait for WebSockets; SIGTERM ends at once) and removes its directory. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The shipped site file with its example upstream servers replaced by `upstreams` and its
 * `listen 80` by `listen`: everything else as an operator gets it.
 */
export function siteFor(upstreams: string[], listen: string): string {
  const shipped = readFileSync(SHIPPED, 'utf8');
  const servers = /^(\s*)server \S+:3000( [^;]*)?;\n/gm;
  const [first] = [...shipped.matchAll(servers)];
  if (!first) throw new Error('deploy/nginx/cohora.conf names no upstream server');
  const lines = upstreams.map((address) => `${first[1]}server ${address}${first[2] ?? ''};\n`).join('');
  let placed = false;
  const site = shipped
    .replace(servers, () => (placed ? '' : ((placed = true), lines)))
    .replace(/^(\s*)listen 80;$/m, `$1listen ${listen};`);
  if (!site.includes(`listen ${listen};`)) throw new Error('deploy/nginx/cohora.conf has no `listen 80;`');
  return site;
}

async function waitForPort(host: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolveOpen) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolveOpen(true)));
      socket.once('error', () => resolveOpen(false));
      socket.connect(port, host);
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nginx did not listen on ${host}:${port}`);
}

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_RATE_LIMITS } from './test-app.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const PM2 = join(ROOT, 'node_modules/pm2/bin/pm2');
const run = promisify(execFile);

export interface PmProcess {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number; exec_mode: string };
}

/**
 * A real PM2 daemon of the test's own (PM2_HOME in a temp dir), so runs never meet. `wrap` runs
 * it elsewhere: `ip netns exec <ns>` makes it, and every worker it starts, a host of that namespace.
 */
export class Pm2Daemon {
  readonly home = mkdtempSync(join(tmpdir(), 'cohora-pm2-'));
  private readonly env = { ...process.env, PM2_HOME: join(this.home, 'pm2') };

  constructor(private readonly wrap: string[] = []) {}

  /** Runs a pm2 command and resolves with its standard output. */
  async pm2(...args: string[]): Promise<string> {
    return (await this.runPm2(args, this.env)).stdout;
  }

  private runPm2(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string }> {
    const [command, ...rest] = [...this.wrap, process.execPath, PM2, ...args];
    return run(command, rest, { env, cwd: ROOT });
  }

  /**
   * Starts the shipped ecosystem.config.cjs app for `layout` (its COHORA_LAYOUT) under `name`,
   * with `env` over its environment and `options` over its PM2 options.
   */
  async startShipped(
    name: string,
    layout: string,
    env: Record<string, string>,
    options: Record<string, unknown> = {},
  ): Promise<void> {
    const previous = process.env.COHORA_LAYOUT;
    process.env.COHORA_LAYOUT = layout;
    const file = join(ROOT, 'ecosystem.config.cjs');
    const require = createRequire(import.meta.url);
    delete require.cache[file];
    const shipped = require(file) as { apps: { env: object }[] };
    if (previous === undefined) delete process.env.COHORA_LAYOUT;
    else process.env.COHORA_LAYOUT = previous;
    const app = {
      ...shipped.apps[0],
      ...options,
      name,
      script: join(ROOT, 'dist/main.js'),
      cwd: ROOT,
      env: { ...shipped.apps[0].env, ...TEST_RATE_LIMITS, DATA_DIR: join(this.home, 'data'), ...env },
    };
    const config = join(this.home, `${name}.config.cjs`);
    writeFileSync(config, `module.exports = ${JSON.stringify({ apps: [app] })};`);
    await this.pm2('start', config);
  }

  /**
   * `pm2 start ecosystem.config.cjs` as an operator types it, from the repository, with
   * `env` (and COHORA_LAYOUT=`layout`) set in the shell's environment.
   */
  async startFile(layout: string, env: Record<string, string>): Promise<void> {
    const shell = { ...this.env, ...TEST_RATE_LIMITS, ...env, COHORA_LAYOUT: layout };
    await this.runPm2(['start', join(ROOT, 'ecosystem.config.cjs')], shell);
  }

  async list(): Promise<PmProcess[]> {
    return JSON.parse(await this.pm2('jlist')) as PmProcess[];
  }

  /** The loss of a whole host: PM2's daemon and every worker killed with SIGKILL at once. */
  async killHard(): Promise<void> {
    const pids = [
      Number(readFileSync(join(this.home, 'pm2', 'pm2.pid'), 'utf8')),
      ...(await this.list()).map((w) => w.pid),
    ];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    rmSync(this.home, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    await this.pm2('kill').catch(() => undefined);
    rmSync(this.home, { recursive: true, force: true });
  }
}

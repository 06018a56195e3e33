import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { ApiClient } from './api-client.js';
import { TEST_RATE_LIMITS } from './test-app.js';

const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

/**
 * The built server (`dist/main.js`, as `npm start` runs it) in a child process, for what only
 * a real process shows: SIGKILL, SIGTERM, exit codes.
 */
export class ServerProcess {
  private output = '';
  /** HTTP and WebSocket calls to this server. */
  readonly api: ApiClient;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.api = new ApiClient(baseUrl);
  }

  /** Starts the server on a free port and resolves once it listens. */
  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const child = spawnServer({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
    let output = '';
    const url = await new Promise<string>((resolvePromise, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /cohora listening on (http:\/\/[^"\s]+)/.exec(output);
        if (match) resolvePromise(match[1].replace('[::1]', '127.0.0.1'));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
    });
    const server = new ServerProcess(child, url);
    server.output = output;
    child.stdout!.on('data', (chunk: Buffer) => (server.output += chunk.toString()));
    return server;
  }

  get logs(): string {
    return this.output;
  }

  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.kill(signal);
    const [code] = await exited;
    return code;
  }
}

/** Spawns the built server with `env` over a minimal environment, collecting its output. */
export function spawnServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...TEST_RATE_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the built server to its exit, for start-up failures; resolves with code and output. */
export async function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnServer({ PORT: '0', HOST: '127.0.0.1', ...env });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

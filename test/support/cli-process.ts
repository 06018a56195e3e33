import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../dist/cli/cohora.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The built `cohora` CLI (`dist/cli/cohora.js`) in a child process, as a person runs it. Its
 * output is buffered so that a test can wait for a line with a timeout instead of sleeping.
 */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly exit: Promise<number | null>;
  private waiter?: () => void;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.waiter?.();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.waiter?.();
    });
    this.exit = once(child, 'exit').then(([code]) => code as number | null);
    void this.exit.then(() => this.waiter?.());
  }

  /** Starts `cohora <args>` with `env` (COHORA_HOME, COHORA_SERVER, TZ...) over a minimal environment. */
  static start(args: string[], env: Record<string, string>): CliProcess {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new CliProcess(child);
  }

  /** Runs `cohora <args>` to its end, with `input` on its standard input. */
  static async run(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
    const cli = CliProcess.start(args, env);
    cli.child.stdin!.end(input);
    const code = await cli.exited();
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Resolves once `stream` holds a match for `pattern`, with the match. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no ${pattern} on ${stream} (exit ${this.child.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
    }
  }

  async exited(timeoutMs = 10_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`cohora did not exit in ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

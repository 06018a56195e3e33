import type { LoggerService } from '@nestjs/common';
import { type Logger as Pino, pino, stdTimeFunctions } from 'pino';
import type { LogLevel } from '../config/environment.js';

/**
 * Nest's logger, writing one JSON object per line through pino. Nest passes the context
 * (the class name) as the last string argument; it becomes the `context` field.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  static create(level: LogLevel): AppLogger {
    return new AppLogger(
      pino(
        {
          level,
          // Readable by people and by log shippers alike: ISO time, level by name.
          timestamp: stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
        },
        // Asynchronous: a line is handed to the kernel after the turn that logged it, in one write
        // with the lines queued behind it, so a slow stdout (a pipe to PM2, a full terminal) never
        // blocks the event loop (issue 13). pino flushes what is left synchronously on exit.
        pino.destination({ dest: 1, sync: false }),
      ),
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]) {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}

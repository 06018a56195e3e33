import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import {
  IdempotencyKeyReusedError,
  InsufficientStorageError,
  OutcomeUnknownError,
  RecipientQueueFullError,
  StoreUnavailableError,
} from '../../common/domain-errors.js';
import { IDEMPOTENCY_WINDOW_MS, type StorageFault } from '../../ports/message.store.js';
import { WriteBatcher } from '../write-batcher.js';
import { WriteFaults } from '../write-faults.js';
import { sqliteWriteFailure } from './sqlite-errors.js';

/** The writes the writer thread knows (sqlite-writer.thread.mjs), each with what it answers. */
export interface SqliteWrites {
  append: {
    write: {
      recipientId: string;
      senderId: string | null;
      senderName: string;
      text: string;
      sentAt: number;
      maxQueued: number;
      key?: { scope: string; key: string; fingerprint: string };
    };
    answer: { replayed: boolean; id: number };
  };
  /** Delivery cursors: [recipient id, message sequence]. */
  deliver: { write: { cursors: Array<[string, number]> }; answer: null };
  pruneMessages: { write: { before: number; limit: number }; answer: number };
  pruneKeys: { write: { before: number; limit: number }; answer: number };
  createUser: {
    write: { id: string; name: string; nameKey: string; createdAt: number; tokenHash: string | null };
    answer: null;
  };
  rotateToken: { write: { id: string; currentHash: string; nextHash: string }; answer: boolean };
}

type Kind = keyof SqliteWrites;

/** An error as the thread describes it: a refusal, or SQLite's code and message. */
interface ThreadError {
  refused?: 'queue-full' | 'key-reused';
  code?: string;
  message?: string;
}

type BatchAnswer = { outcomes: Array<{ value?: unknown; error?: ThreadError }> } | { failed: ThreadError };

interface QueuedWrite {
  message: { kind: Kind } & Record<string, unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A SQLite error from the thread, with the code sqliteWriteFailure and the stores read. */
export class SqliteThreadError extends Error {
  override name = 'SqliteError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Every write to the SQLite file, run by a worker thread on its own connection, so that a
 * commit, a WAL checkpoint and their fsyncs never stall the event loop (issue 13). The thread
 * runs each batch (the writes of one event-loop turn, and those queued while the previous
 * batch ran) in one IMMEDIATE transaction, in the order the writes were made, and a write's
 * promise settles only after its transaction has committed: durability and order are those of
 * the group commit it replaces.
 *
 * A write whose signal aborts while it is still queued here is withdrawn (503, nothing stored);
 * one aborted after its batch went to the thread is 504, outcome unknown, as on PostgreSQL.
 * The main thread's connection only reads: in WAL mode a read never waits for a write.
 */
export class SqliteWriter {
  private readonly logger = new Logger(SqliteWriter.name);
  private readonly batcher = new WriteBatcher<QueuedWrite>((batch) => this.run(batch));
  private readonly faults: WriteFaults;
  private readonly dataDir: string;
  private thread: Worker;
  /** The batch in the thread, waiting for its answer (one at a time). */
  private answer?: { settle: (answer: BatchAnswer) => void; fail: (error: unknown) => void };
  private closing?: Promise<void>;
  /** The answer of the batch in the thread, which close() lets arrive first. */
  private inFlight?: Promise<BatchAnswer>;
  /** Batches are failing because another connection holds the file's write lock. */
  private locked = false;

  constructor(
    private readonly file: string,
    private readonly synchronous: 'NORMAL' | 'FULL',
    /** SQLite's busy_timeout for the thread's connection: how long a batch waits for another's write lock. */
    private readonly lockWaitMs: number,
  ) {
    this.faults = new WriteFaults(`The SQLite file ${file}`);
    this.dataDir = dirname(file);
    this.thread = this.start();
  }

  /** Full or read-only, as the last write found it; null once a write succeeds again. */
  get fault(): StorageFault | null {
    return this.faults.current;
  }

  write<K extends Kind>(
    kind: K,
    write: SqliteWrites[K]['write'],
    signal?: AbortSignal,
  ): Promise<SqliteWrites[K]['answer']> {
    return new Promise((resolve, reject) => {
      if (this.closing) return reject(new StoreUnavailableError());
      this.batcher.add({ message: { kind, ...write }, resolve, reject }, signal);
    });
  }

  /** Lets the batch in the thread finish, then closes the thread's connection (its last checkpoint runs there). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.inFlight?.catch(() => undefined);
      const exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
      this.thread.postMessage('close');
      await exited;
    })();
    return this.closing;
  }

  private start(): Worker {
    const thread = new Worker(new URL('./sqlite-writer.thread.mjs', import.meta.url), {
      workerData: {
        file: this.file,
        synchronous: this.synchronous,
        lockWaitMs: this.lockWaitMs,
        idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
      },
    });
    thread.on('message', (answer: BatchAnswer) => this.takeWaiting()?.settle(answer));
    thread.on('error', (error) => {
      this.logger.error(`The SQLite writer thread failed: ${error.message}`);
    });
    thread.on('exit', (code) => {
      if (this.closing) return;
      // The next batch gets a new thread.
      this.logger.error(`The SQLite writer thread exited (code ${code}); starting another`);
      // Committed or not, nobody can tell: as for a timeout after the batch left.
      this.takeWaiting()?.fail(new OutcomeUnknownError());
      this.thread = this.start();
    });
    return thread;
  }

  /** One batch: to the thread, then each write's outcome to its caller. */
  private async run(batch: QueuedWrite[]): Promise<void> {
    // Queued before close() and run after it: the thread is gone, nothing was stored.
    if (this.closing) throw new StoreUnavailableError();
    const sendable = this.batcher.sendable(batch);
    if (sendable.length === 0) return;
    this.inFlight = new Promise<BatchAnswer>((settle, fail) => {
      this.answer = { settle, fail };
      this.thread.postMessage(sendable.map((item) => item.message));
    });
    const answer = await this.inFlight;
    if ('failed' in answer) {
      if (answer.failed.code?.startsWith('SQLITE_BUSY')) this.lockedOut();
      throw this.failure(answer.failed);
    }
    this.faults.accepted();
    this.lockFree();
    sendable.forEach((item, i) => {
      const { value, error } = answer.outcomes[i];
      if (error) item.reject(this.failure(error, item));
      else item.resolve(value);
    });
  }

  /** Says once, not per batch, that another connection keeps the file locked, and once when it lets go. */
  private lockedOut(): void {
    if (this.locked) return;
    this.locked = true;
    this.logger.warn(
      `Another connection has held the write lock of ${this.file} for ${this.lockWaitMs} ms (an sqlite3 shell inside a transaction? a backup?): sends answer 503 and nothing is stored until it lets go`,
    );
  }

  private lockFree(): void {
    if (!this.locked) return;
    this.locked = false;
    this.logger.log(`The write lock of ${this.file} is free again: sends are stored`);
  }

  /** The batch waiting for the thread's answer, handed to whoever settles it: it waits no more. */
  private takeWaiting(): SqliteWriter['answer'] {
    const waiting = this.answer;
    this.answer = undefined;
    return waiting;
  }

  /** The error a caller gets: a refusal's domain error, or what a failed SQLite write means to a client. */
  private failure(error: ThreadError, item?: QueuedWrite): unknown {
    if (error.refused === 'key-reused') return new IdempotencyKeyReusedError();
    if (error.refused === 'queue-full') return new RecipientQueueFullError(item?.message.maxQueued as number);
    const failure = sqliteWriteFailure(
      new SqliteThreadError(error.message ?? 'SQLite write failed', error.code),
      this.dataDir,
    );
    if (failure instanceof InsufficientStorageError) this.faults.refused(failure.fault);
    return failure;
  }
}

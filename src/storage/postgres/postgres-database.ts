import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { InsufficientStorageError, OutcomeUnknownError, StoreUnavailableError } from '../../common/domain-errors.js';
import { MIGRATIONS } from './migrations.js';
import { isRetryable, isUnavailable, sqlState, storageFault } from './postgres-errors.js';

const logger = new Logger('PostgresDatabase');

/** Connecting longer than this means the database is unreachable: the request answers 503. */
const CONNECT_TIMEOUT_MS = 2_000;
/** The server cancels a statement that runs (or waits for a lock) longer than this. */
const STATEMENT_TIMEOUT_MS = 5_000;
/** The client gives up on an answer that never comes (a link that drops packets silently). */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1_000;
/** A process that stalls inside a transaction must not hold mailbox locks for long. */
const IDLE_IN_TRANSACTION_MS = 10_000;
/** Migrations may rebuild tables: they get more time than a request. */
const MIGRATION_TIMEOUT_MS = 10 * 60_000;
/** Deadlocks should not happen (locks are taken in one order), but if one does, run again. */
const ATTEMPTS = 3;

export interface PostgresOptions {
  databaseUrl: string;
  poolSize: number;
  /** How long a statement waits for another session's lock before failing with 55P03 (a 503); default 5 s. */
  lockWaitMs?: number;
}

/**
 * A statement. With a name it is prepared once per connection and then only executed; without
 * one (migrations) it is sent as plain text, which may hold several statements.
 */
export interface Statement {
  name?: string;
  text: string;
  timeoutMs?: number;
}

/** A connection checked out of the pool; `broke` marks it for discarding. */
interface Checkout {
  client: PoolClient;
  broke: (error: Error) => void;
  broken: () => boolean;
}

/** Runs statements on one connection, inside a transaction. */
export interface Transaction {
  run<R extends QueryResultRow = QueryResultRow>(statement: Statement, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * A pool of connections to one PostgreSQL database (its schema picked by the URL's search_path),
 * shared by the PostgreSQL stores and ended at shutdown. Every failure to reach the database
 * comes out as StoreUnavailableError (503), and the pool reconnects by itself when it can.
 */
export class PostgresDatabase implements OnApplicationShutdown {
  /** Set once the schema is up to date: from then on, outages and recoveries are logged. */
  private serving = false;
  private reachable = true;
  private ended = false;

  private constructor(
    private readonly pool: Pool,
    /** host:port/database, for logs: never the URL, which may hold a password. */
    readonly target: string,
  ) {}

  /** Opens the pool and brings the schema up to date; rejects if either fails. */
  static async connect({
    databaseUrl,
    poolSize,
    lockWaitMs = STATEMENT_TIMEOUT_MS,
  }: PostgresOptions): Promise<PostgresDatabase> {
    // Loaded here, not at import: the embedded default never loads the PostgreSQL driver.
    const { Pool } = await import('pg');
    const pool = new Pool({
      connectionString: databaseUrl,
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      lock_timeout: lockWaitMs,
      query_timeout: QUERY_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      application_name: 'cohora',
      keepAlive: true,
    });
    const database = new PostgresDatabase(pool, describeTarget(databaseUrl));
    // An idle connection that dies (server restart, network cut) is reported here; without a
    // listener the pool's 'error' event would crash the process. The pool drops it by itself.
    pool.on('error', (error) =>
      logger.warn(`An idle connection to PostgreSQL at ${database.target} failed: ${error.message}`),
    );
    try {
      await database.migrate();
      database.serving = true;
    } catch (error) {
      await database.end();
      const reason = error instanceof StoreUnavailableError ? error.cause : error;
      throw new Error(`PostgreSQL at ${database.target}: ${describeError(reason)}`, { cause: error });
    }
    return database;
  }

  /**
   * Runs one statement in its own transaction. A deadlock or serialization failure rolled it
   * back whole, so it is run again.
   */
  async run<R extends QueryResultRow = QueryResultRow>(
    statement: Statement,
    values: unknown[] = [],
  ): Promise<QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query<R>(queryConfig(statement, values));
        this.answered();
        return result;
      } catch (error) {
        if (attempt < ATTEMPTS && isRetryable(error)) continue;
        throw this.failure(error);
      }
    }
  }

  /**
   * Runs `work` in a transaction on one connection and resolves once it has committed. A
   * deadlock or serialization failure runs `work` again, so `work` must only touch the database.
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attemptTransaction(work);
      } catch (error) {
        if (attempt < ATTEMPTS && isRetryable((error as Error).cause ?? error)) continue;
        throw error;
      }
    }
  }

  /**
   * Runs one statement in its own transaction, taking its values only once a connection is
   * had: `values` returns undefined when nothing is left to send (every write was withdrawn
   * while connecting). Until the statement leaves, a failure
   * is a StoreUnavailableError (nothing reached the server). After it, an error the server
   * answered means it rolled back (503, or 507 for no space / read-only), but a link that
   * failed or an answer that never came is OutcomeUnknownError: it may have committed.
   */
  async runWhenConnected<R extends QueryResultRow = QueryResultRow>(
    statement: Statement,
    values: () => unknown[] | undefined,
  ): Promise<QueryResult<R> | undefined> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.withConnection(async (connection) => {
        const given = values();
        if (given === undefined) return { result: undefined };
        try {
          const result = await connection.client.query<R>(queryConfig(statement, given));
          this.answered();
          return { result };
        } catch (error) {
          if (sqlState(error) === undefined) {
            // No answer from the server: the connection is in an unknown state, and so is the write.
            connection.broke(error as Error);
            if (!isUnavailable(error)) throw error;
            this.failure(error);
            throw new OutcomeUnknownError({ cause: error });
          }
          if (attempt < ATTEMPTS && isRetryable(error)) return undefined;
          throw this.failure(error);
        }
      });
      if (outcome) return outcome.result;
    }
  }

  async ping(): Promise<void> {
    await this.run({ name: 'cohora.ping', text: 'SELECT 1' });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.end();
  }

  private attemptTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.withConnection(async ({ client, broke, broken }) => {
      try {
        await client.query('BEGIN');
        const result = await work({ run: (statement, values = []) => client.query(queryConfig(statement, values)) });
        await client.query('COMMIT');
        this.answered();
        return result;
      } catch (error) {
        // A refused statement leaves the transaction open: roll it back and reuse the connection.
        // A connection that failed or timed out is in an unknown state: the pool discards it.
        if (isUnavailable(error)) broke(error as Error);
        if (!broken()) await client.query('ROLLBACK').catch(broke);
        throw this.failure(error);
      }
    });
  }

  /**
   * Checks out a connection (StoreUnavailableError if none can be had), runs `use` on it, and
   * gives it back to the pool, which discards it if it broke meanwhile.
   */
  private async withConnection<T>(use: (connection: Checkout) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.failure(error);
    }
    // The pool listens for errors only on idle connections: while this one is checked out, a
    // dropped link would be an unhandled 'error' event, which ends the process.
    let failed: Error | undefined;
    const broke = (error: Error) => void (failed ??= error);
    client.on('error', broke);
    try {
      return await use({ client, broke, broken: () => failed !== undefined });
    } finally {
      client.off('error', broke);
      client.release(failed);
    }
  }

  private async migrate(): Promise<void> {
    const applied = await this.transaction(async (tx) => {
      const migration = (text: string): Statement => ({ text, timeoutMs: MIGRATION_TIMEOUT_MS });
      // Processes starting together wait for each other's migration, however long it takes.
      await tx.run(migration('SET LOCAL statement_timeout = 0'));
      await tx.run(migration('SET LOCAL lock_timeout = 0'));
      const { rows } = await tx.run<{ schema: string | null; encoding: string }>(
        migration(`SELECT current_schema() AS schema, current_setting('server_encoding') AS encoding`),
      );
      const [{ schema, encoding }] = rows;
      if (schema === null) {
        throw new Error('no schema to create tables in: create the schema that the search_path names');
      }
      if (encoding !== 'UTF8') throw new Error(`the database's encoding is ${encoding}; cohora needs UTF8`);
      // Processes booting together queue here; each step is applied once, by the first.
      await tx.run(migration(`SELECT pg_advisory_xact_lock(hashtextextended('cohora migrations in ' || $1, 0))`), [
        schema,
      ]);
      await tx.run(
        migration(`CREATE TABLE IF NOT EXISTS cohora_migrations (
          version    integer PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`),
      );
      const done = await tx.run<{ version: number }>(
        migration('SELECT coalesce(max(version), 0) AS version FROM cohora_migrations'),
      );
      const from = done.rows[0].version;
      if (from > MIGRATIONS.length) {
        throw new Error(
          `the database schema (version ${from}) is newer than this cohora (version ${MIGRATIONS.length})`,
        );
      }
      for (const [index, sql] of MIGRATIONS.slice(from).entries()) {
        await tx.run(migration(sql));
        await tx.run(migration('INSERT INTO cohora_migrations (version) VALUES ($1)'), [from + index + 1]);
      }
      return { from, to: MIGRATIONS.length };
    });
    for (let version = applied.from + 1; version <= applied.to; version++) {
      logger.log(`Applied schema migration ${version} to PostgreSQL at ${this.target}`);
    }
  }

  /** The error a store rejects with: StoreUnavailableError when the database cannot serve now. */
  private failure(error: unknown): unknown {
    const fault = storageFault(error);
    if (fault) return new InsufficientStorageError(fault, { cause: error });
    if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
    if (this.serving && this.reachable && !this.ended) {
      this.reachable = false;
      logger.warn(
        `PostgreSQL at ${this.target} is unavailable (${describeError(error)}); ` +
          'requests that need it answer 503 until it is back',
      );
    }
    return new StoreUnavailableError({ cause: error });
  }

  private answered(): void {
    if (this.reachable) return;
    this.reachable = true;
    logger.log(`PostgreSQL at ${this.target} answers again`);
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}

function queryConfig(statement: Statement, values: unknown[]): QueryConfig & { query_timeout?: number } {
  return { name: statement.name, text: statement.text, values, query_timeout: statement.timeoutMs };
}

/** An error in a few words; a refused connection to several addresses has an empty message but a code. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as { code?: unknown };
  return error.message || (typeof code === 'string' ? code : error.name);
}

/** host:port/database from a connection URL, without user or password. */
function describeTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || 'localhost'}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

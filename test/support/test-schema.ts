import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: the one on our machines and in CI (see ../shared/STACK.md). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A schema of its own for one test file (or one store), so that test runs can overlap. Its URL
 * points the connection's search_path at it (`options=-c search_path=...`), which is how an
 * operator would give cohora a schema too. If PostgreSQL does not answer, create() fails with
 * a message that says so: the PostgreSQL tests never skip.
 */
export class TestSchema {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(base = TEST_DATABASE_URL): Promise<TestSchema> {
    const name = `cohora_test_${randomBytes(6).toString('hex')}`;
    await admin(base, `CREATE SCHEMA ${name}`);
    return new TestSchema(name, schemaUrl(base, name));
  }

  /** The same schema reached at another address (a proxy in front of the server). */
  urlVia(port: number): string {
    const url = new URL(this.url);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }

  /** Runs one statement in this schema, as an operator's psql would. */
  async query<R extends pg.QueryResultRow = any>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = await connect(this.url);
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await admin(TEST_DATABASE_URL, `DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
  }
}

/** `base` with its search_path set to `schema`, and an application_name tests can find. */
export function schemaUrl(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', schema);
  return url.toString();
}

async function admin(url: string, text: string): Promise<void> {
  const client = await connect(url);
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not answer at ${new URL(url).host} (${(error as Error).message || String(error)}). ` +
        'The PostgreSQL tests need it: start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) ' +
        'or point TEST_DATABASE_URL at one.',
      { cause: error },
    );
  }
  return client;
}

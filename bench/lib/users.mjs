// Registers users over HTTP with bounded concurrency: the same path a real client takes.
import { pool } from './http-client.mjs';

/**
 * Creates `count` users named `<prefix><i>` (index `from` onwards) and returns
 * `[{ id, name }]` in index order.
 */
export async function createUsers(client, prefix, count, { from = 0, concurrency = 32, onProgress } = {}) {
  const users = new Array(count);
  await pool(
    count,
    concurrency,
    async (i) => {
      const name = `${prefix}${from + i}`;
      const { id } = await client.postJson('/api/users/create', { name }, 201);
      users[i] = { id, name };
    },
    onProgress,
  );
  return users;
}

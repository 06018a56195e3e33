import type { CohoraClient } from '../../client/cohora-client.js';
import type { Person } from '../../client/history.store.js';
import { findUser } from '../../client/user-lookup.js';

/**
 * `<name-or-id>` as typed: looked up in the directory (exact name, then without regard to
 * case, then as an id). Anything not found is taken as an id, for the server to judge.
 */
export async function resolveRecipient(client: CohoraClient, typed: string): Promise<Person & { known: boolean }> {
  const found = findUser(await client.listUsers(), typed);
  return found ? { ...found, known: true } : { id: typed.trim(), name: typed.trim(), known: false };
}

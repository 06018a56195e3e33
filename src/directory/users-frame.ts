import type { User } from '../ports/user.store.js';
import type { UsersFrame } from '../protocol/ws-frames-v2.js';

/** The `users` frame listing `added`, oldest first. */
export function usersFrame(added: readonly User[]): string {
  const frame: UsersFrame = { type: 'users', added: added.map(({ id, name }) => ({ id, name })) };
  return JSON.stringify(frame);
}

import { type HistoryEntry, peerIdOf, peerNameOf } from '../../client/history.store.js';
import { nameKey } from '../../client/user-lookup.js';
import type { CliContext } from '../cli-context.js';
import { dateTime, messageLine } from '../terminal-text.js';

/** `cohora history [name]`: the stored history, or only the conversation with `name` (a name or an id). */
export async function history(ctx: CliContext, words: string[]): Promise<number> {
  const me = ctx.profile();
  const entries = await ctx.history(me).entries();
  const filter = words.join(' ').trim();
  const shown = filter === '' ? entries : entries.filter((entry) => isWith(entry, filter));
  if (shown.length === 0) {
    ctx.note(filter === '' ? `No history yet for ${me.name}.` : `No messages with ${filter} in ${me.name}'s history.`);
    return 0;
  }
  for (const entry of shown) {
    // Without a filter each line says who it was for; in one conversation that goes without saying.
    const from =
      filter === '' ? `${entry.from} → ${entry.direction === 'out' ? peerNameOf(entry) : me.name}` : entry.from;
    ctx.out(messageLine({ ...entry, from }, dateTime(entry.sent_at)));
  }
  return 0;
}

function isWith(entry: HistoryEntry, filter: string): boolean {
  return peerIdOf(entry) === filter || nameKey(peerNameOf(entry)) === nameKey(filter.normalize('NFC'));
}

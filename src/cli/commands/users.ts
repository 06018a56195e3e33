import { nameKey } from '../../client/user-lookup.js';
import type { CliContext } from '../cli-context.js';
import { checkPresence, MAX_CHECKED } from '../presence-check.js';
import { safeText } from '../terminal-text.js';

/**
 * `cohora users`: the directory as a table, the current profile marked with `*`, and
 * `online` beside those who hold a socket now (asked over a short-lived v2 socket of the
 * profile; without a profile, or from a server without v2, the column is left out).
 */
export async function users(ctx: CliContext): Promise<number> {
  const profile = ctx.profiles.tryPick(ctx.options.as);
  const directory = await ctx.client(profile).listUsers();
  const rows = [...directory]
    .map(([name, id]) => ({ name: safeText(name), id, me: id === profile?.id }))
    .sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)));
  const presence =
    profile && rows.length > 0
      ? await checkPresence(
          ctx,
          profile,
          rows.map((row) => row.id),
        )
      : undefined;
  const width = Math.max(4, ...rows.map((row) => [...row.name].length));
  const idWidth = Math.max(2, ...rows.map((row) => row.id.length));
  ctx.out(presence ? `  ${'NAME'.padEnd(width)}  ${'ID'.padEnd(idWidth)}  ONLINE` : `  ${'NAME'.padEnd(width)}  ID`);
  for (const row of rows) {
    const line = `${row.me ? '*' : ' '} ${padEnd(row.name, width)}  ${row.id}`;
    if (!presence) ctx.out(line);
    else ctx.out(`${padEnd(line, width + idWidth + 4)}  ${onlineMark(row.id, presence)}`.trimEnd());
  }
  if (rows.length === 0) ctx.note('Nobody has registered yet: cohora register <name>');
  else if (!profile) ctx.note('(who is online shows once you have a profile: cohora register <name>)');
  else if (!presence) ctx.note('(who is online is not shown: the server did not answer over a cohora.v2 socket)');
  else if (presence.checked.size < rows.length) ctx.note(`(online shown for the first ${MAX_CHECKED} users only)`);
  if (presence && presence.received > 0) {
    ctx.note(
      `(${presence.received} new message${presence.received === 1 ? '' : 's'} arrived: cohora history shows them)`,
    );
  }
  return 0;
}

function onlineMark(id: string, presence: { online: Set<string>; checked: Set<string> }): string {
  if (!presence.checked.has(id)) return '?';
  return presence.online.has(id) ? 'online' : '';
}

/** Pads by characters (code points), not UTF-16 units, so names like "李雷" line up. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

import { nameKey } from '../../client/user-lookup.js';
import type { CliContext } from '../cli-context.js';
import { safeText } from '../terminal-text.js';

/** `cohora users`: the directory as a table, the current profile marked with `*`. */
export async function users(ctx: CliContext): Promise<number> {
  const profile = ctx.profiles.tryPick(ctx.options.as);
  const directory = await ctx.client(profile).listUsers();
  const rows = [...directory]
    .map(([name, id]) => ({ name: safeText(name), id, me: id === profile?.id }))
    .sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)));
  const width = Math.max(4, ...rows.map((row) => [...row.name].length));
  ctx.out(`  ${'NAME'.padEnd(width)}  ID`);
  for (const row of rows) ctx.out(`${row.me ? '*' : ' '} ${padEnd(row.name, width)}  ${row.id}`);
  if (rows.length === 0) ctx.note('Nobody has registered yet: cohora register <name>');
  return 0;
}

/** Pads by characters (code points), not UTF-16 units, so names like "李雷" line up. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

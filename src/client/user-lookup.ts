import type { Person } from './history.store.js';

/**
 * Finds a user in the directory by what a person typed: the exact name first, then the name
 * without regard to case (as the server compares names), then an id. Undefined when nothing
 * matches, or when the case-insensitive match is ambiguous.
 */
export function findUser(directory: ReadonlyMap<string, string>, nameOrId: string): Person | undefined {
  const typed = nameOrId.normalize('NFC').trim();
  const exact = directory.get(typed);
  if (exact !== undefined) return { name: typed, id: exact };
  const key = nameKey(typed);
  const folded = [...directory].filter(([name]) => nameKey(name) === key);
  if (folded.length === 1) return { name: folded[0][0], id: folded[0][1] };
  for (const [name, id] of directory) if (id === typed) return { name, id };
  return undefined;
}

/** Names are unique without regard to case after NFKC, as the server decides conflicts. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

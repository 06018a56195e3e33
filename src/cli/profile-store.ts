import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameKey } from '../client/user-lookup.js';
import { CliError } from './cli-error.js';

/** Who the CLI acts as: a user registered on one server. */
export interface Profile {
  id: string;
  server: string;
  /** Kept when the server issued one at registration. */
  token?: string;
}

export interface NamedProfile extends Profile {
  name: string;
}

interface ProfilesFile {
  current?: string;
  profiles: Record<string, Profile>;
}

/**
 * The CLI's profiles in `<COHORA_HOME>/profiles.json`, and each profile's history beside them
 * in `history/<name>.jsonl`. The file is replaced atomically (write, then rename), so a crash
 * leaves the old or the new version, never half of one. Tokens are secrets: the folder is
 * private to its owner.
 */
export class ProfileStore {
  readonly file: string;

  constructor(readonly home: string) {
    this.file = join(home, 'profiles.json');
  }

  /** The profile named by `--as` (exact name, then without regard to case), else the current one. */
  pick(asName?: string): NamedProfile {
    const { current, profiles } = this.read();
    if (asName !== undefined) {
      const found = findByName(profiles, asName);
      if (!found) {
        const have = [...profiles.keys()].join(', ') || 'none';
        throw new CliError(`no profile named ${JSON.stringify(asName)} in ${this.home} (profiles: ${have})`);
      }
      return found;
    }
    const profile = current === undefined ? undefined : profiles.get(current);
    if (current === undefined || !profile) {
      throw new CliError('no profile yet: register a name first with `cohora register <name>`');
    }
    return { name: current, ...profile };
  }

  /** Undefined when there is no profile to pick (for commands that can run without one). */
  tryPick(asName?: string): NamedProfile | undefined {
    if (asName === undefined && this.read().current === undefined) return undefined;
    return this.pick(asName);
  }

  /** A profile that would clash with `name` (same name without regard to case). */
  existing(name: string): NamedProfile | undefined {
    return findByName(this.read().profiles, name);
  }

  /** Adds or replaces the profile and makes it the current one. */
  saveAsCurrent({ name, ...profile }: NamedProfile): void {
    const { profiles } = this.read();
    profiles.set(name, profile);
    // fromEntries defines each key as an own property: a name like "__proto__" stays a name.
    this.write({ current: name, profiles: Object.fromEntries(profiles) });
  }

  historyFile(name: string): string {
    return join(this.home, 'history', `${encodeURIComponent(name)}.jsonl`);
  }

  private read(): { current?: string; profiles: Map<string, Profile> } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: new Map() };
      throw new CliError(`cannot read ${this.file}: ${(error as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<ProfilesFile>;
      const profiles = new Map(
        Object.entries(parsed.profiles ?? {}).filter(
          ([, p]) => typeof p?.id === 'string' && typeof p.server === 'string',
        ),
      );
      return { current: typeof parsed.current === 'string' ? parsed.current : undefined, profiles };
    } catch {
      throw new CliError(`${this.file} is not valid JSON: fix it or move it away`);
    }
  }

  private write(contents: ProfilesFile): void {
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}

function findByName(profiles: Map<string, Profile>, name: string): NamedProfile | undefined {
  const typed = name.normalize('NFC').trim();
  const exact = profiles.get(typed);
  if (exact) return { name: typed, ...exact };
  for (const [stored, profile] of profiles) if (nameKey(stored) === nameKey(typed)) return { name: stored, ...profile };
  return undefined;
}

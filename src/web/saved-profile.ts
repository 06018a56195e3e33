/** Someone this browser has signed in as. */
export interface SavedProfile {
  id: string;
  name: string;
  /** Kept when the server issued one at registration. */
  token?: string;
}

/**
 * Who each tab is lives in sessionStorage: it survives a reload, and two tabs can be two
 * people (the README's way to try the chat). The profiles this browser has used are
 * remembered in localStorage, so a new tab offers "continue as" in one click.
 */
const TAB_KEY = 'cohora:tab-profile';
const REMEMBERED_KEY = 'cohora:profiles';

export function tabProfile(): SavedProfile | undefined {
  return parseProfile(readJson(sessionStorage, TAB_KEY));
}

export function rememberedProfiles(): SavedProfile[] {
  const list = readJson(localStorage, REMEMBERED_KEY);
  return Array.isArray(list) ? list.map(parseProfile).filter((p): p is SavedProfile => p !== undefined) : [];
}

/** This tab is `profile` from now on, and the browser remembers it. */
export function signInHere(profile: SavedProfile): void {
  sessionStorage.setItem(TAB_KEY, JSON.stringify(profile));
  const others = rememberedProfiles().filter((known) => known.id !== profile.id);
  localStorage.setItem(REMEMBERED_KEY, JSON.stringify([profile, ...others]));
}

/** This tab is nobody, and the browser forgets `profile` (its history stays). */
export function signOutHere(profile: SavedProfile): void {
  sessionStorage.removeItem(TAB_KEY);
  const others = rememberedProfiles().filter((known) => known.id !== profile.id);
  localStorage.setItem(REMEMBERED_KEY, JSON.stringify(others));
}

/** The history of user `id` in localStorage: one key per user, kept after signing out. */
export function historyKey(id: string): string {
  return `cohora:history:${id}`;
}

/** The conversation that was open, so that a reload comes back to it. */
export function openPeerKey(id: string): string {
  return `cohora:open:${id}`;
}

function readJson(storage: Storage, key: string): unknown {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function parseProfile(value: unknown): SavedProfile | undefined {
  const candidate = value as Partial<SavedProfile> | null;
  if (typeof candidate?.id !== 'string' || typeof candidate.name !== 'string') return undefined;
  const profile: SavedProfile = { id: candidate.id, name: candidate.name };
  if (typeof candidate.token === 'string') profile.token = candidate.token;
  return profile;
}

/** Who this browser is signed in as, remembered across reloads. */
export interface SavedProfile {
  id: string;
  name: string;
  /** Kept when the server issued one at registration. */
  token?: string;
}

const KEY = 'cohora:profile';

export function loadProfile(): SavedProfile | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<SavedProfile> | null;
    if (typeof value?.id !== 'string' || typeof value.name !== 'string') return undefined;
    return { id: value.id, name: value.name, token: typeof value.token === 'string' ? value.token : undefined };
  } catch {
    return undefined;
  }
}

export function saveProfile(profile: SavedProfile): void {
  localStorage.setItem(KEY, JSON.stringify(profile));
}

export function forgetProfile(): void {
  localStorage.removeItem(KEY);
}

/** The history of user `id` in localStorage: one key per user, kept after signing out. */
export function historyKey(id: string): string {
  return `cohora:history:${id}`;
}

/** The conversation that was open, so that a reload comes back to it. */
export function openPeerKey(id: string): string {
  return `cohora:open:${id}`;
}

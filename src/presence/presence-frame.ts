import type { PresenceFrame } from '../protocol/ws-frames-v2.js';

/** A `presence` frame from each id's state. */
export function presenceFrame(states: ReadonlyMap<string, boolean>): string {
  const frame: PresenceFrame = { type: 'presence', online: [], offline: [] };
  for (const [id, online] of states) (online ? frame.online : frame.offline).push(id);
  return JSON.stringify(frame);
}

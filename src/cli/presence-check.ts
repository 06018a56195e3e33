import { NodeCohoraConnection } from '../client/node/node-connection.js';
import { V2_PROTOCOL } from '../protocol/ws-frames-v2.js';
import type { CliContext } from './cli-context.js';
import type { NamedProfile } from './profile-store.js';

/** How long `users` waits for the socket, and then for each presence answer. */
const WAIT_MS = 3_000;
/** At most this many users are asked about: each watch list is answered in its own frame. */
export const MAX_CHECKED = 1_024;

/** Who among the users asked about is online, and how many messages the socket brought in. */
export interface PresenceReport {
  online: Set<string>;
  checked: Set<string>;
  received: number;
}

/**
 * Asks the server who among `ids` (the first MAX_CHECKED) is online, over a short-lived v2
 * socket of `profile`, watching one `max_watch` batch after another. Undefined when it cannot
 * tell: the server has no v2, or does not answer in time. The socket is the profile's own, so
 * any message waiting for it arrives; it goes into the profile's history, as `listen` would.
 */
export async function checkPresence(
  ctx: CliContext,
  profile: NamedProfile,
  ids: readonly string[],
): Promise<PresenceReport | undefined> {
  const connection = new NodeCohoraConnection({
    server: ctx.server(profile),
    userId: profile.id,
    token: profile.token,
    history: ctx.history(profile),
  });
  let received = 0;
  connection.on('message', () => received++);
  try {
    const limits = await new Promise<{ max_watch: number } | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), WAIT_MS);
      const done = (value: { max_watch: number } | undefined) => {
        clearTimeout(timer);
        resolve(value);
      };
      connection.on('ready', ({ limits }) => done(limits));
      connection.on('connected', () => {
        if (connection.serverProtocol !== V2_PROTOCOL) done(undefined);
      });
      connection.on('disconnected', () => done(undefined));
      void connection.start();
    });
    if (!limits) return undefined;
    const checked = ids.slice(0, MAX_CHECKED);
    const online = new Set<string>();
    for (let from = 0; from < checked.length; from += limits.max_watch) {
      const batch = checked.slice(from, from + limits.max_watch);
      if (!(await answered(connection, batch))) return undefined;
      for (const id of batch) if (connection.isOnline(id)) online.add(id);
    }
    return { online, checked: new Set(checked), received };
  } finally {
    await connection.close();
  }
}

/** Watches `batch` and waits until the server has said something about every id of it. */
function answered(connection: NodeCohoraConnection, batch: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const known = () => batch.every((id) => connection.isOnline(id) !== undefined);
    const timer = setTimeout(() => finish(false), WAIT_MS);
    const stop = connection.on('presence', () => {
      if (known()) finish(true);
    });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      stop();
      resolve(ok);
    };
    connection.watch(batch);
  });
}

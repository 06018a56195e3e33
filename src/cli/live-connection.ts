import type { HistoryStore } from '../client/history.store.js';
import { CloseCode } from '../protocol/close-codes.js';
import { NodeCohoraConnection } from '../client/node/node-connection.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import type { NamedProfile } from './profile-store.js';

/**
 * The profile's connection for `listen` and `chat`, reporting its state on stderr. `failed`
 * rejects with a CliError when it cannot go on: the server does not know the profile (4401),
 * or the very first attempt found no server (a wrong --server should not wait forever).
 */
export function openLiveConnection(
  ctx: CliContext,
  profile: NamedProfile,
  greeting: (server: string) => string,
  note: (line: string) => void = (line) => ctx.note(line),
  /** Shared with the caller's own appends (chat), so one process checks one set of ids. */
  history: HistoryStore = ctx.history(profile),
) {
  const server = ctx.server(profile);
  const connection = new NodeCohoraConnection({
    server,
    userId: profile.id,
    token: profile.token,
    history,
  });
  let everConnected = false;
  let open = false;
  const failed = new Promise<never>((_, reject) => {
    connection.on('connected', () => {
      note(everConnected ? 'Reconnected.' : greeting(server.toString()));
      everConnected = true;
      open = true;
    });
    connection.on('disconnected', ({ code, reason, willReconnect, retryInMs }) => {
      if (code === CloseCode.Unauthorized) {
        reject(
          new CliError(
            `the server at ${server.toString()} does not know ${profile.name} (${profile.id}): was its data reset?`,
          ),
        );
      } else if (!everConnected && willReconnect) {
        void connection.close();
        reject(
          new CliError(
            `could not reach the cohora server at ${server.toString()}: is it running? (start it with npm start, or pass --server URL)`,
          ),
        );
      } else if (willReconnect) {
        const seconds = ((retryInMs ?? 0) / 1000).toFixed(1);
        note(
          open
            ? `Connection lost (${reason ? `${code} ${reason}` : code}); reconnecting in ${seconds} s…`
            : `No answer from ${server.toString()} yet; trying again in ${seconds} s…`,
        );
      }
      open = false;
    });
    connection.on('error', (error) => note(`warning: ${error.message}`));
  });
  // Nobody may be waiting on it yet when it rejects.
  failed.catch(() => undefined);
  return { connection, server, failed };
}

/** Resolves on the first Ctrl-C (SIGINT) or SIGTERM. */
export function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

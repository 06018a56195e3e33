import type { CliContext } from '../cli-context.js';
import { interrupted, openLiveConnection } from '../live-connection.js';
import { messageLine } from '../terminal-text.js';

/**
 * `cohora listen`: listening mode. Prints each message as `HH:MM:SS  <from>: <message>` as it
 * arrives (after appending it to the history), resumes on its own, and stops on Ctrl-C.
 */
export async function listen(ctx: CliContext): Promise<number> {
  const me = ctx.profile();
  const { connection, failed } = openLiveConnection(
    ctx,
    me,
    (server) => `Listening as ${me.name} on ${server}. Ctrl-C to stop.`,
  );
  connection.on('message', (entry) => ctx.out(messageLine(entry)));
  await connection.start();
  try {
    await Promise.race([interrupted(), failed]);
  } finally {
    await connection.close();
  }
  return 0;
}

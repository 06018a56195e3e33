import { CohoraHttpError } from '../../client/client-errors.js';
import { outgoingEntry, withServerId } from '../../client/history.store.js';
import type { CliContext } from '../cli-context.js';
import { CliError, UsageError } from '../cli-error.js';
import { resolveRecipient } from './resolve-recipient.js';

/** `cohora send <name-or-id> <message...>`: sends as the current profile and records it in the history. */
export async function send(ctx: CliContext, [target, ...words]: string[]): Promise<number> {
  const message = words.join(' ');
  if (target === undefined || message.trim() === '') {
    throw new UsageError('send needs a recipient and a message: cohora send <name-or-id> <message...>');
  }
  const me = ctx.profile();
  const client = ctx.client(me);
  const to = await resolveRecipient(client, target);
  const result = await sendAs(client, me, to, message);
  await ctx.history(me).append(withServerId(outgoingEntry(me, to, message), result.message_id));
  ctx.out(
    result.delivery === 'delivered'
      ? `Sent to ${to.name}.`
      : `Sent to ${to.name}, who is offline: it will be delivered when they connect.`,
  );
  return 0;
}

/** Sends over REST, turning the statuses a person can cause into sentences about them. */
export function sendAs(
  client: Parameters<typeof resolveRecipient>[0],
  me: { id: string; name: string },
  to: { id: string; name: string; known: boolean },
  message: string,
) {
  return explainRefusals(() => client.sendMessage({ recipientId: to.id, message, senderId: me.id }), me, to);
}

/** Runs `send` (REST or socket), turning the statuses a person can cause into sentences about them. */
export async function explainRefusals<T>(
  send: () => Promise<T>,
  me: { id: string; name: string },
  to: { name: string },
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof CohoraHttpError)) throw error;
    if (error.status === 404) {
      throw new CliError(`no user ${JSON.stringify(to.name)}: not a name in the directory (cohora users), nor an id`);
    }
    if (error.status === 401) {
      throw new CliError(`the server does not know your profile ${me.name} (${me.id}): was its data reset?`);
    }
    if (error.status === 400) throw new CliError(`not sent: ${error.message}`);
    throw error;
  }
}

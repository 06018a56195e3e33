import { CohoraHttpError } from '../../client/client-errors.js';
import type { CliContext } from '../cli-context.js';
import { CliError, UsageError } from '../cli-error.js';

/** `cohora register <name>`: creates the user, prints the id, makes it the current profile. */
export async function register(ctx: CliContext, words: string[]): Promise<number> {
  // The server trims and normalises names the same way, so the profile keeps the name it shows.
  const name = words.join(' ').normalize('NFC').trim();
  if (name === '') throw new UsageError('register needs a name: cohora register <name>');
  const clash = ctx.profiles.existing(name);
  if (clash) {
    throw new CliError(
      `a profile named ${JSON.stringify(clash.name)} already exists in ${ctx.profiles.home} ` +
        `(on ${clash.server}); use it with --as, or pick another COHORA_HOME`,
    );
  }
  const server = ctx.server();
  let created;
  try {
    created = await ctx.client().createUser(name);
  } catch (error) {
    if (error instanceof CohoraHttpError && error.status === 409) {
      throw new CliError(`the name ${JSON.stringify(name)} is already taken on ${server.toString()}`);
    }
    if (error instanceof CohoraHttpError && error.status === 400) {
      throw new CliError(`${JSON.stringify(name)} cannot be registered: ${error.message}`);
    }
    throw error;
  }
  ctx.profiles.saveAsCurrent({ name, id: created.id, server: server.toString(), token: created.token });
  ctx.out(created.id);
  ctx.note(`Registered ${name} on ${server.toString()}; this is now your current profile.`);
  return 0;
}

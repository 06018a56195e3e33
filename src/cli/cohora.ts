#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliContext, type CliIo, DEFAULT_SERVER } from './cli-context.js';
import { CliError, describeError, UsageError } from './cli-error.js';
import { chat } from './commands/chat.js';
import { history } from './commands/history.js';
import { listen } from './commands/listen.js';
import { register } from './commands/register.js';
import { send } from './commands/send.js';
import { users } from './commands/users.js';

const HELP = `cohora: chat from a terminal with people on a cohora server.

Usage: cohora <command> [arguments] [--server URL] [--as NAME]

Commands:
  register <name>                 create a user; prints its id and makes it the current profile
  users                           everyone registered, with their ids (* marks you) and who is online
  send <name-or-id> <message...>  send a message as the current profile
  listen                          print messages as they arrive (listening mode); Ctrl-C stops
  chat <name>                     chat with one person (chatting mode): recent history, then live;
                                  type a line to send it, /history reprints, /quit leaves
  history [name]                  the messages stored on this computer, or only those with <name>

Options:
  --server URL   the cohora server (default: the profile's own, else $COHORA_SERVER, else ${DEFAULT_SERVER})
  --as NAME      act as another of your profiles instead of the current one
  -h, --help     this help
  -v, --version  the version

Profiles and histories are kept in $COHORA_HOME (default ~/.cohora).
A message that starts with "-" goes after "--": cohora send Bob -- -5 degrees here`;

const COMMANDS = { register, users, send, listen, chat, history } as const;

/** Runs one command line; resolves to the exit code. Errors are one line on stderr, never a stack. */
async function main(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const [command, ...words] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.stdout.write(`${HELP}\n`);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const ctx = new CliContext({ server: values.server, as: values.as }, env, io);
    return await COMMANDS[command as keyof typeof COMMANDS](ctx, words);
  } catch (error) {
    io.stderr.write(`cohora: ${describeError(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        as: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Exits once stdout and stderr have flushed: idle keep-alive sockets or stdin must not hold the process. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2), process.env, process).then(exit, (error: unknown) => {
  process.stderr.write(`cohora: ${describeError(error)}\n`);
  exit(1);
});

import { clearScreenDown, createInterface, cursorTo, type Interface, moveCursor } from 'node:readline';
import { outgoingEntry, peerIdOf, withServerId } from '../../client/history.store.js';
import type { CliContext } from '../cli-context.js';
import { CliError, describeError, UsageError } from '../cli-error.js';
import { interrupted, openLiveConnection } from '../live-connection.js';
import { clockTime, dateTime, messageLine, safeText } from '../terminal-text.js';
import { resolveRecipient } from './resolve-recipient.js';
import { explainRefusals } from './send.js';

/** How many earlier messages `chat` shows when it opens and on /history. */
const RECENT = 20;

/**
 * `cohora chat <name>`: chatting mode. Shows the recent history with that person, then their
 * messages as they arrive while you type; each line entered is sent over the same connection. `/history` reprints the
 * recent history, `/quit` (or end of input, or Ctrl-C) leaves.
 */
export async function chat(ctx: CliContext, words: string[]): Promise<number> {
  const typed = words.join(' ').trim();
  if (typed === '') throw new UsageError('chat needs the name of the person to chat with: cohora chat <name>');
  const me = ctx.profile();
  const client = ctx.client(me);
  const peer = await resolveRecipient(client, typed);
  if (!peer.known) throw new CliError(`no user named ${JSON.stringify(typed)} (cohora users lists them)`);
  const history = ctx.history(me);

  const recent = async () => {
    const entries = (await history.entries()).filter((entry) => peerIdOf(entry) === peer.id).slice(-RECENT);
    if (entries.length === 0) return [`(no messages with ${safeText(peer.name)} yet)`];
    return entries.map((entry) => messageLine(entry, shortTime(entry.sent_at)));
  };
  const earlier = await recent();

  // From here on nothing is awaited until every listener is attached: readline reads piped
  // input at once, and would drop lines, and the close, that nobody listens to yet.
  const { stdin, stdout } = ctx.io;
  const terminal = Boolean(stdin.isTTY && stdout.isTTY);
  const rl = createInterface({ input: stdin, output: stdout, terminal, prompt: `${safeText(me.name)}> ` });
  const screen = new ChatScreen(ctx, rl, terminal);
  const { connection, failed } = openLiveConnection(
    ctx,
    me,
    (server) =>
      `Chatting with ${peer.name} as ${me.name} on ${server}. Type a message and press Enter; /history reprints, /quit leaves.`,
    (line) => screen.note(line),
    history,
  );
  for (const line of earlier) screen.print(line);
  // Ids of the messages on screen: a message to oneself comes back as a frame, and is shown once.
  const shown = new Set<string>();
  const talkingToMyself = peer.id === me.id;
  connection.on('message', (entry) => {
    if (shown.has(entry.id)) return;
    shown.add(entry.id);
    if (peerIdOf(entry) === peer.id) screen.print(messageLine(entry));
    else
      screen.print(
        `${clockTime(entry.sent_at)}  (${safeText(entry.from)} wrote to you: cohora chat ${safeText(entry.from)})`,
      );
  });

  // Lines are handled one at a time, so messages leave in the order they were typed.
  let queue = Promise.resolve();
  const left = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      const text = line.trim();
      if (text === '/quit') return resolve();
      if (text === '') return screen.prompt();
      if (terminal) screen.eraseTypedLine(line);
      queue = queue.then(async () => {
        if (text === '/history') {
          for (const earlierLine of await recent()) screen.print(earlierLine);
          return;
        }
        if (/^\/\w+$/.test(text)) return screen.print(`(unknown command ${text}: /history reprints, /quit leaves)`);
        const entry = outgoingEntry(me, peer, line);
        // To oneself, the line is shown once the server has named it: its frame may come first.
        if (!talkingToMyself) screen.print(messageLine(entry));
        try {
          // Over the chat's own socket (REST when the server has no v2), one key for all its retries.
          const ack = await explainRefusals(() => connection.send(peer.id, line), me, peer);
          const sent = withServerId(entry, ack.message_id);
          if (!shown.has(sent.id) && talkingToMyself) screen.print(messageLine(sent));
          shown.add(sent.id);
          await history.append(sent);
        } catch (error) {
          screen.note(`  not sent: ${describeError(error)}`);
        }
      });
    });
    rl.on('close', resolve);
    // In a terminal readline takes Ctrl-C itself; without one the process gets SIGINT.
    rl.on('SIGINT', resolve);
  });
  if (terminal) rl.prompt();
  await connection.start();
  try {
    await Promise.race([left, interrupted(), failed]);
    await queue;
  } finally {
    rl.close();
    await connection.close();
  }
  return 0;
}

/** Today's messages show their time; older ones their date as well. */
function shortTime(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? clockTime(iso) : dateTime(iso);
}

/** Writes lines above the prompt without disturbing what is being typed. */
class ChatScreen {
  constructor(
    private readonly ctx: CliContext,
    private readonly rl: Interface,
    private readonly terminal: boolean,
  ) {}

  /** A line of the conversation, on stdout. */
  print(text: string): void {
    if (!this.terminal) return this.ctx.out(text);
    this.above(() => this.ctx.io.stdout.write(`${text}\n`));
  }

  /** A status line, on stderr. */
  note(text: string): void {
    if (!this.terminal) return this.ctx.note(text);
    this.above(() => this.ctx.note(text));
  }

  private above(write: () => void): void {
    const { stdout } = this.ctx.io;
    cursorTo(stdout, 0);
    clearScreenDown(stdout);
    write();
    this.rl.prompt(true);
  }

  prompt(): void {
    if (this.terminal) this.rl.prompt();
  }

  /** The typed line is replaced by the timestamped one that print() writes. */
  eraseTypedLine(line: string): void {
    const { stdout } = this.ctx.io;
    const columns = (stdout as { columns?: number }).columns ?? 80;
    const rows = Math.max(1, Math.ceil((this.rl.getPrompt().length + line.length) / columns));
    moveCursor(stdout, 0, -rows);
    cursorTo(stdout, 0);
    clearScreenDown(stdout);
  }
}

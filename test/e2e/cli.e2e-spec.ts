import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../support/cli-process.js';
import { InspectingProxy } from '../support/inspecting-proxy.js';
import { TestApp } from '../support/test-app.js';

const homes = mkdtempSync(join(tmpdir(), 'cohora-cli-'));
afterAll(() => rmSync(homes, { recursive: true, force: true }));

const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.kill('SIGKILL');
});

let n = 0;
/** A person at a terminal: their own COHORA_HOME, talking to `server`, with clocks in UTC. */
function person(server: string) {
  const home = join(homes, `home-${++n}`);
  const env = { COHORA_HOME: home, COHORA_SERVER: server, TZ: 'UTC' };
  return {
    home,
    run: (args: string[], input?: string) => CliProcess.run(args, env, input),
    start: (args: string[]) => {
      const cli = CliProcess.start(args, env);
      running.push(cli);
      return cli;
    },
    history: () =>
      readFileSync(join(home, 'history', `${readProfiles(home).current}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

function readProfiles(home: string) {
  return JSON.parse(readFileSync(join(home, 'profiles.json'), 'utf8'));
}

/** Every failure is one line on stderr, with no stack trace. */
function expectOneLineError(stderr: string, text: RegExp) {
  expect(stderr).toMatch(text);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('cohora CLI (the built binary)', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  let names = 0;
  const uniqueName = (prefix: string) => `${prefix}${++names}`;

  /** Registers a new name for a new person; returns the person with their name and id. */
  async function registered(prefix: string) {
    const someone = person(app.baseUrl);
    const name = uniqueName(prefix);
    const result = await someone.run(['register', name]);
    expect(result.code).toBe(0);
    return { ...someone, name, id: result.stdout.trim() };
  }

  it('prints its help with --help, and the help with exit code 2 when given no command', async () => {
    const help = await person(app.baseUrl).run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^cohora: chat from a terminal/);
    for (const command of ['register', 'users', 'send', 'listen', 'chat', 'history']) {
      expect(help.stdout).toContain(`  ${command}`);
    }
    expect((await person(app.baseUrl).run([])).code).toBe(2);
    const unknown = await person(app.baseUrl).run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expectOneLineError(unknown.stderr, /^cohora: unknown command "frobnicate"/);
  });

  it('register prints the id the server gave and remembers it as the current profile', async () => {
    const alice = person(app.baseUrl);
    const name = uniqueName('Alice');
    const result = await alice.run(['register', name]);
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect((await app.get('/api/users/list')).body.users[name]).toBe(id);
    // The server's secret token is kept too, so the profile can act in AUTH_MODE=token.
    expect(readProfiles(alice.home)).toEqual({
      current: name,
      profiles: { [name]: { id, server: app.baseUrl, token: expect.stringMatching(/^[\w-]{43}$/) } },
    });
  });

  it('register says a name is taken, with exit code 1', async () => {
    const { name } = await registered('Taken');
    const result = await person(app.baseUrl).run(['register', name.toLowerCase()]);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, new RegExp(`^cohora: the name "${name.toLowerCase()}" is already taken on `));
  });

  it('users prints the directory as a table, marking the current profile and who is online', async () => {
    const alice = await registered('Alice');
    const bob = await registered('Bob');
    const carol = await registered('Carol');
    const bobsTab = await app.connect(bob.id);
    const result = await alice.run(['users']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ {2}NAME +ID +ONLINE$/);
    // Alice's own short-lived socket makes her online too.
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\* ${alice.name} +${alice.id} +online$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${bob.name} +${bob.id} +online$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${carol.name} +${carol.id}$`)));
    bobsTab.close();
  });

  it('users leaves the online column out without a profile, and says why', async () => {
    const { name, id } = await registered('Dora');
    const result = await person(app.baseUrl).run(['users']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^ {2}NAME +ID$/);
    expect(result.stdout).toMatch(new RegExp(`^  ${name} +${id}$`, 'm'));
    expect(result.stderr).toBe('(who is online shows once you have a profile: cohora register <name>)\n');
  });

  it('send delivers to a name typed in any case, as the current profile, and keeps it in the history', async () => {
    const alice = await registered('Alice');
    const bob = await registered('Bob');
    const bobsTab = await app.connect(bob.id);
    const result = await alice.run(['send', bob.name.toUpperCase(), 'hello', 'there']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Sent to ${bob.name}.\n`);
    const frame = await bobsTab.nextFrame();
    expect(frame).toMatchObject({ from: alice.name, from_id: alice.id, message: 'hello there' });
    // Under the server's id: the one Bob's frame carries.
    expect(alice.history()).toEqual([
      expect.objectContaining({ id: frame.id, direction: 'out', to: bob.name, to_id: bob.id, message: 'hello there' }),
    ]);
    const byId = await alice.run(['send', bob.id, 'by id']);
    expect(byId.stdout).toBe(`Sent to ${bob.name}.\n`);
    expect((await bobsTab.nextFrame()).message).toBe('by id');
  });

  it('send names an unknown user, and the URL of a server that is down, with exit code 1', async () => {
    const alice = await registered('Alice');
    const unknown = await alice.run(['send', 'Nobody', 'hi']);
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown.stderr, /^cohora: no user "Nobody": not a name in the directory/);

    const down = await alice.run(['send', '--server', 'http://127.0.0.1:9', 'Nobody', 'hi']);
    expect(down.code).toBe(1);
    expectOneLineError(
      down.stderr,
      /^cohora: could not reach the cohora server at http:\/\/127\.0\.0\.1:9: is it running\?/,
    );

    const noProfile = await person(app.baseUrl).run(['send', 'Bob', 'hi']);
    expect(noProfile.code).toBe(1);
    expectOneLineError(noProfile.stderr, /^cohora: no profile yet: register a name first/);
  });

  it('listen prints a message that another process sends, as HH:MM:SS  <from>: <message>, and stops on Ctrl-C', async () => {
    const alice = await registered('Alice');
    const bob = await registered('Bob');
    const listening = bob.start(['listen']);
    await listening.waitFor(/^Listening as Bob\d+ on /m, 'stderr');
    expect((await alice.run(['send', bob.name, 'are you there?'])).code).toBe(0);
    const [line, time] = await listening.waitFor(/^(\d\d:\d\d:\d\d) {2}Alice\d+: are you there\?$/m);
    expect(line).toBe(`${time}  ${alice.name}: are you there?`);
    const [stored] = bob.history();
    expect(stored).toMatchObject({ direction: 'in', from: alice.name, message: 'are you there?' });
    expect(stored.sent_at.slice(11, 19)).toBe(time);
    listening.kill('SIGINT');
    expect(await listening.exited()).toBe(0);
  });

  it('listen stops with exit code 1 when the server does not know the profile', async () => {
    const stranger = person(app.baseUrl);
    const profile = { id: '00000000-0000-4000-8000-000000000000', server: app.baseUrl };
    mkdirSync(stranger.home, { recursive: true });
    writeFileSync(
      join(stranger.home, 'profiles.json'),
      JSON.stringify({ current: 'Ghost', profiles: { Ghost: profile } }),
    );
    const result = await stranger.run(['listen']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cohora: the server at .* does not know Ghost \(00000000-/m);
  });

  it('chat: two people type lines on standard input and each sees the other live', async () => {
    const alice = await registered('Alice');
    const bob = await registered('Bob');
    await alice.run(['send', bob.name, 'earlier message']);

    const bobs = bob.start(['chat', alice.name]);
    await bobs.waitFor(/^Chatting with Alice\d+ as Bob\d+/m, 'stderr');
    // Queued while Bob was away: it arrives as soon as his chat connects.
    await bobs.waitFor(/^\d\d:\d\d:\d\d {2}Alice\d+: earlier message$/m);
    const alices = alice.start(['chat', bob.name.toLowerCase()]);
    await alices.waitFor(/^Chatting with Bob\d+ as Alice\d+/m, 'stderr');

    alices.write('hi Bob, are you there?\n');
    await bobs.waitFor(/^\d\d:\d\d:\d\d {2}Alice\d+: hi Bob, are you there\?$/m);
    bobs.write('yes, hello Alice\n');
    await alices.waitFor(/^\d\d:\d\d:\d\d {2}Bob\d+: yes, hello Alice$/m);

    bobs.write('/history\n');
    await bobs.waitFor(/(Bob\d+: yes, hello Alice\n)[^]*\1/);
    bobs.write('/quit\n');
    alices.child.stdin!.end();
    expect(await bobs.exited()).toBe(0);
    expect(await alices.exited()).toBe(0);
    expect(bob.history().map((e) => [e.direction, e.message])).toEqual([
      ['in', 'earlier message'],
      ['in', 'hi Bob, are you there?'],
      ['out', 'yes, hello Alice'],
    ]);
    expect(alice.history().map((e) => [e.direction, e.message])).toEqual([
      ['out', 'earlier message'],
      ['out', 'hi Bob, are you there?'],
      ['in', 'yes, hello Alice'],
    ]);

    // Opening the chat again shows the recent history with that person first.
    const again = await bob.run(['chat', alice.name], '/quit\n');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^\d\d:\d\d:\d\d {2}Alice\d+: earlier message\n.*Alice\d+: hi Bob, are you there\?\n.*Bob\d+: yes, hello Alice\n$/,
    );
  });

  it('chat sends each line over its socket, not over REST', async () => {
    const proxy = await InspectingProxy.start(app.port);
    try {
      const alice = await registered('Alice');
      const bob = await registered('Bob');
      const bobsTab = await app.connect(bob.id);
      const chat = alice.start(['chat', bob.name, '--server', proxy.baseUrl]);
      await chat.waitFor(/^Chatting with Bob\d+ as Alice\d+/m, 'stderr');
      chat.write('over the socket\n');
      const frame = await bobsTab.nextFrame();
      expect(frame).toMatchObject({ from: alice.name, from_id: alice.id, message: 'over the socket' });
      chat.write('/quit\n');
      expect(await chat.exited()).toBe(0);
      expect(proxy.requests('GET', '/api/users/list')).toBe(1);
      expect(proxy.requests('POST', '/api/messages/send')).toBe(0);
      expect(alice.history()).toEqual([
        expect.objectContaining({ id: frame.id, direction: 'out', message: 'over the socket' }),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('chat sends over REST when the server selects no cohora.v2', async () => {
    const proxy = await InspectingProxy.start(app.port, { stripSubprotocol: true });
    try {
      const alice = await registered('Alice');
      const bob = await registered('Bob');
      const bobsTab = await app.connect(bob.id);
      const chat = alice.start(['chat', bob.name, '--server', proxy.baseUrl]);
      await chat.waitFor(/^Chatting with Bob\d+ as Alice\d+/m, 'stderr');
      chat.write('over REST\n');
      expect(await bobsTab.nextFrame()).toMatchObject({ from: alice.name, message: 'over REST' });
      chat.write('/quit\n');
      expect(await chat.exited()).toBe(0);
      expect(proxy.requests('POST', '/api/messages/send')).toBe(1);
      expect(chat.stderr).not.toMatch(/could not reach|Connection lost/);
    } finally {
      await proxy.close();
    }
  });

  it('chat with oneself shows each line once and keeps it once, under the server’s id', async () => {
    const alice = await registered('Alice');
    const chat = alice.start(['chat', alice.name]);
    await chat.waitFor(/^Chatting with Alice\d+ as Alice\d+/m, 'stderr');
    // Each line comes back as a frame on the chat's own socket, racing the send's answer.
    chat.write('note to self\n');
    await chat.waitFor(/Alice\d+: note to self\n/);
    chat.write('second note\n');
    await chat.waitFor(/Alice\d+: second note\n/);
    chat.write('/quit\n');
    expect(await chat.exited()).toBe(0);
    expect(chat.stdout.match(/note to self/g)).toHaveLength(1);
    expect(chat.stdout.match(/second note/g)).toHaveLength(1);
    const kept = alice.history().filter((entry) => ['note to self', 'second note'].includes(entry.message));
    expect(kept.map((entry) => entry.message)).toEqual(['note to self', 'second note']);
    for (const entry of kept) expect(entry.id).toMatch(/^\d{16}$/);
  });

  it('chat refuses a name nobody has', async () => {
    const alice = await registered('Alice');
    const result = await alice.run(['chat', 'Nobody']);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, /^cohora: no user named "Nobody"/);
  });

  it('history prints what is stored, all of it or one conversation', async () => {
    const alice = await registered('Alice');
    const bob = await registered('Bob');
    const carol = await registered('Carol');
    await alice.run(['send', bob.name, 'to bob']);
    await alice.run(['send', carol.name, 'to carol']);
    const all = await alice.run(['history']);
    expect(all.stdout).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}${alice.name} → ${bob.name}: to bob\n.* → ${carol.name}: to carol\n$`,
      ),
    );
    const withCarol = await alice.run(['history', carol.name.toUpperCase()]);
    expect(withCarol.stdout).toMatch(new RegExp(`^[\\d-]+ [\\d:]+ {2}${alice.name}: to carol\n$`));
  });
});

describe('cohora listen across a server restart', () => {
  it('reconnects and resumes on its own, printing each message once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-cli-data-'));
    let app = await TestApp.start({}, dir);
    try {
      const alice = person(app.baseUrl);
      const bob = person(app.baseUrl);
      await alice.run(['register', 'Alice']);
      await bob.run(['register', 'Bob']);
      const listening = bob.start(['listen']);
      await listening.waitFor(/^Listening as Bob/m, 'stderr');
      await alice.run(['send', 'Bob', 'before the restart']);
      await listening.waitFor(/Alice: before the restart\n/);

      const port = app.port;
      await app.stop();
      await listening.waitFor(
        /^Connection lost \(1012 Service restart: reconnect after a random delay\); reconnecting in [\d.]+ s/m,
        'stderr',
      );
      app = await TestApp.start({}, dir, port);
      await alice.run(['send', 'Bob', 'after the restart']);
      await listening.waitFor(/Alice: after the restart\n/, 'stdout', 40_000);
      await listening.waitFor(/^Reconnected\.$/m, 'stderr');
      expect(listening.stdout.match(/Alice: /g)).toHaveLength(2);
      listening.kill('SIGINT');
      expect(await listening.exited()).toBe(0);
    } finally {
      await app.close();
    }
  }, 60_000);
});

import { connect } from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';

/** A server's answer that a fuzz run must never see. */
export interface FuzzFailure {
  input: string;
  problem: string;
}

export interface FuzzReport {
  http: number;
  raw: number;
  sockets: number;
  frames: number;
  statuses: Record<string, number>;
  closeCodes: Record<string, number>;
  failures: FuzzFailure[];
  elapsedMs: number;
}

export interface FuzzOptions {
  baseUrl: string;
  /** Inputs to send in all (HTTP requests, raw requests and WebSocket sessions together). */
  inputs: number;
  /** Stop early once this much time has passed. */
  seconds: number;
  seed: number;
  /** Real user ids, so that some mutated bodies reach the deeper checks. */
  userIds: string[];
  /** Their real tokens, for the same reason (AUTH_MODE=token). */
  tokens: string[];
  concurrency?: number;
}

/** Text that looks like a leaked stack trace or internal detail. */
const LEAK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\/src\/|\/dist\/|Error: |SQLITE_|sqlite|ioredis|ECONN/;

/** Close codes a fuzzed socket may legitimately get (or none: still open when we leave). */
const EXPECTED_CLOSES = new Set([1000, 1005, 1007, 1008, 1009, 4401, 4408, 4409]);

const PATHS = [
  '/api/users/create',
  '/api/messages/send',
  '/api/users/list',
  '/api/users/rotate-token',
  '/health',
  '/metrics',
  '/docs-json',
  '/api/messages/send?recipient_id=x',
  '/api/users/create/../list',
  '/api/%2e%2e/%2e%2e/etc/passwd',
  '/api/users/%ff',
  '/api/messages/send%00',
  '/ws',
  '/',
];

const anyText = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '__proto__',
    'constructor',
    'anonymous',
    '\u202e',
    '😀'.repeat(40),
    'a'.repeat(5_000),
  ),
);

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

/** Flips, drops, duplicates and inserts bytes in a valid text. */
function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.nat(),
    fc.constantFrom('flip', 'drop', 'dup', 'insert', 'truncate'),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
    let out = text;
    for (const [at, kind, extra] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'flip')
        out = out.slice(0, i) + String.fromCharCode(out.charCodeAt(i) ^ (1 << (at % 7))) + out.slice(i + 1);
      else if (kind === 'drop') out = out.slice(0, i) + out.slice(i + 1);
      else if (kind === 'dup') out = out.slice(0, i) + out.slice(i, i + 8) + out.slice(i);
      else if (kind === 'insert') out = out.slice(0, i) + extra + out.slice(i);
      else out = out.slice(0, i);
    }
    return out;
  });
}

function bodies(userIds: string[]): fc.Arbitrary<string> {
  const id = fc.oneof(fc.constantFrom(...userIds), fc.uuid(), anyText, fc.jsonValue({ maxDepth: 2 }));
  const send = fc.record(
    { recipient_id: id, message: fc.oneof(anyText, fc.jsonValue({ maxDepth: 2 })), sender_id: fc.option(id) },
    { requiredKeys: [] },
  );
  const create = fc.record({ name: fc.oneof(anyText, fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] });
  const valid = fc.oneof(send.map(stringify), create.map(stringify));
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 3, arbitrary: mutated(valid) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map(stringify) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 30, max: 30_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((n) => `{"name":"${'a'.repeat(n)}"}`) },
  );
}

interface HttpCase {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

function httpCases(userIds: string[], tokens: string[]): fc.Arbitrary<HttpCase> {
  const header = fc.oneof(
    fc.constant({}),
    fc.record({
      'content-type': fc.constantFrom(
        'text/plain',
        'application/json; charset=utf-16',
        'multipart/form-data',
        'application/x-www-form-urlencoded',
      ),
    }),
    fc.record({
      authorization: fc.oneof(
        fc.constant('Bearer '),
        fc.base64String().map((s) => `Bearer ${s}`),
        fc.constant('Basic Zm9vOmJhcg=='),
        fc.constantFrom(...tokens).map((token) => `Bearer ${token}`),
        mutated(fc.constantFrom(...tokens)).map((token) => `Bearer ${token}`),
      ),
    }),
    fc.record({ origin: fc.constantFrom('https://evil.example', 'null', 'https://chat.example.com') }),
    fc.record({ 'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity') }),
  );
  return fc.record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PATHS) }, { weight: 1, arbitrary: fc.webPath() }),
    body: bodies(userIds),
    headers: header,
  });
}

/** Request lines and headers that no HTTP client would send. */
const rawRequests = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `${s}\r\n\r\n`),
  mutated(fc.constant('POST /api/users/create HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n{"name":"Zed"}')),
  fc.constantFrom(
    'GET / HTTP/9.9\r\n\r\n',
    'POST /api/messages/send HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n',
    'POST /api/messages/send HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    `GET /api/users/list HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: x\r\n\r\n',
  ),
);

interface WsCase {
  frames: { data: string | Buffer; binary: boolean }[];
}

function wsCases(userIds: string[], tokens: string[]): fc.Arbitrary<WsCase> {
  const auth = fc
    .record(
      {
        token: fc.oneof(
          fc.constantFrom(...tokens),
          mutated(fc.constantFrom(...tokens)),
          anyText,
          fc.jsonValue({ maxDepth: 1 }),
        ),
        id: fc.oneof(fc.constantFrom(...userIds), anyText, fc.jsonValue({ maxDepth: 2 })),
        since: fc.option(fc.oneof(anyText, fc.integer(), fc.jsonValue({ maxDepth: 1 }))),
      },
      { requiredKeys: [] },
    )
    .map(stringify);
  const frame = fc.oneof(
    { weight: 3, arbitrary: auth.map((data) => ({ data, binary: false })) },
    { weight: 2, arbitrary: mutated(auth).map((data) => ({ data, binary: false })) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((data) => ({ data, binary: false })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
    },
    // Not UTF-8, sent as text: the server must close 1007, not fail.
    { weight: 1, arbitrary: fc.constant({ data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 16_000, max: 40_000 }).map((n) => ({ data: 'x'.repeat(n), binary: false })),
    },
  );
  return fc.record({ frames: fc.array(frame, { minLength: 1, maxLength: 3 }) });
}

/**
 * Sends `inputs` random and mutated HTTP requests, raw malformed requests and WebSocket
 * sessions to a running cohora, `concurrency` at a time, and reports every answer that breaks
 * the rules: a 5xx, a dropped HTTP connection, a leaked stack trace or internal detail, a close
 * code outside the documented ones.
 */
export async function fuzzServer(options: FuzzOptions): Promise<FuzzReport> {
  const { baseUrl, inputs, seconds, seed, userIds, tokens, concurrency = 16 } = options;
  const report: FuzzReport = {
    http: 0,
    raw: 0,
    sockets: 0,
    frames: 0,
    statuses: {},
    closeCodes: {},
    failures: [],
    elapsedMs: 0,
  };
  const started = Date.now();
  const deadline = started + seconds * 1_000;
  const kinds = fc.oneof(
    { weight: 85, arbitrary: httpCases(userIds, tokens).map((c) => ({ kind: 'http' as const, c })) },
    { weight: 3, arbitrary: rawRequests.map((c) => ({ kind: 'raw' as const, c })) },
    { weight: 12, arbitrary: wsCases(userIds, tokens).map((c) => ({ kind: 'ws' as const, c })) },
  );
  const fail = (input: string, problem: string) => {
    if (report.failures.length < 50) report.failures.push({ input: input.slice(0, 300), problem });
  };
  const { port } = new URL(baseUrl);
  const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/ws`;

  let sent = 0;
  const batch = 500;
  while (sent < inputs && Date.now() < deadline) {
    const cases = fc.sample(kinds, { numRuns: Math.min(batch, inputs - sent), seed: seed + sent });
    sent += cases.length;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < cases.length && Date.now() < deadline) {
          const item = cases[next++];
          if (item.kind === 'http') await fuzzHttp(baseUrl, item.c, report, fail);
          else if (item.kind === 'raw') await fuzzRaw(Number(port), item.c, report, fail);
          else await fuzzWs(wsUrl, item.c, report, fail);
        }
      }),
    );
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

async function fuzzHttp(
  baseUrl: string,
  c: HttpCase,
  report: FuzzReport,
  fail: (input: string, problem: string) => void,
): Promise<void> {
  report.http++;
  const input = `${c.method} ${c.path} ${JSON.stringify(c.headers)} ${c.body}`;
  let res: Response;
  try {
    res = await fetch(baseUrl + c.path, {
      method: c.method,
      headers: c.headers,
      body: c.method === 'GET' ? undefined : c.body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    // fetch itself refuses some inputs (a malformed header value) before sending: not the server's doing.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (error instanceof TypeError && (code === undefined || code === 'UND_ERR_INVALID_ARG')) return;
    return fail(input, `no answer: ${String((error as Error).cause ?? error)}`);
  }
  const text = await res.text();
  report.statuses[res.status] = (report.statuses[res.status] ?? 0) + 1;
  if (res.status >= 500) fail(input, `status ${res.status}: ${text.slice(0, 200)}`);
  if (LEAK.test(text) && !c.path.startsWith('/docs') && !c.path.startsWith('/metrics')) {
    fail(input, `leaks internals: ${text.slice(0, 200)}`);
  }
}

async function fuzzRaw(
  port: number,
  request: string,
  report: FuzzReport,
  fail: (input: string, problem: string) => void,
): Promise<void> {
  report.raw++;
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
    socket.setTimeout(3_000, () => socket.destroy());
    socket.write(request, 'latin1');
    // Half-close: the server sees the end of what we send, answers, and closes.
    socket.end();
  });
  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
  if (status) report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  if (status && Number(status) >= 500) fail(request, `raw request answered ${status}`);
  if (LEAK.test(answer)) fail(request, `leaks internals: ${answer.slice(0, 200)}`);
}

async function fuzzWs(
  url: string,
  c: WsCase,
  report: FuzzReport,
  fail: (input: string, problem: string) => void,
): Promise<void> {
  report.sockets++;
  const input = c.frames.map((f) => (typeof f.data === 'string' ? f.data : `<${f.data.length} bytes>`)).join(' | ');
  const closed = await new Promise<number | 'open' | 'refused'>((resolve) => {
    const socket = new WebSocket(url);
    const leave = setTimeout(() => {
      resolve('open');
      socket.terminate();
    }, 150);
    socket.on('error', () => undefined);
    socket.once('unexpected-response', () => {
      clearTimeout(leave);
      resolve('refused');
    });
    socket.once('close', (code) => {
      clearTimeout(leave);
      resolve(code);
    });
    socket.once('open', () => {
      for (const frame of c.frames) {
        report.frames++;
        socket.send(frame.data, { binary: frame.binary });
      }
    });
    socket.once('message', () => undefined);
  });
  report.closeCodes[closed] = (report.closeCodes[closed] ?? 0) + 1;
  if (typeof closed === 'number' && !EXPECTED_CLOSES.has(closed)) fail(input, `socket closed with ${closed}`);
  if (closed === 'refused') fail(input, 'upgrade refused');
}

// The physical floor, "bare", one of the two baselines the benchmark compares cohora with
// (floor.mjs is the other): bare node:http + ws, everything in memory, nothing durable. It
// speaks cohora's protocol (same paths, JSON shapes, status codes, validation basics) so the
// load generator cannot tell them apart, and does nothing more.
// Run: PORT=0 HOST=127.0.0.1 node bench/baselines/bare.mjs
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';

const MAX_BODY = 64 * 1024;
const MAX_MESSAGE = 4096;
// PROTOCOL.md's printable names, without cohora's allowance for emoji joiners (the bench uses none).
const NAME = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;
const AUTH_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 30_000;

/** id -> { id, name, queue: frames not yet delivered, sockets: authenticated sockets } */
const users = new Map();
/** name key (NFKC, lower case) -> id, for case-insensitive uniqueness */
const nameKeys = new Map();
let directory = null; // cached GET /api/users/list body, dropped when a user is added
let lastId = 0;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function reply(res, status, body) {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new HttpError(413, 'The request body is larger than 64 KiB'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error();
        resolve(body);
      } catch {
        reject(new HttpError(400, 'The request body must be a JSON object'));
      }
    });
    req.on('error', reject);
  });
}

function createUser({ name }) {
  if (typeof name !== 'string') throw new HttpError(400, 'name must be a string');
  const display = name.normalize('NFC').trim();
  const length = [...display].length;
  if (length < 1 || length > 64 || !NAME.test(display)) throw new HttpError(400, 'name breaks the name rules');
  const key = display.normalize('NFKC').toLowerCase();
  if (key === 'anonymous' || nameKeys.has(key)) throw new HttpError(409, `The name "${display}" is already taken`);
  const id = randomUUID();
  users.set(id, { id, name: display, queue: [], sockets: new Set() });
  nameKeys.set(key, id);
  directory = null;
  return { id };
}

function listUsers() {
  if (directory === null) {
    const byName = Object.create(null); // a name such as __proto__ stays an ordinary key
    for (const { name, id } of users.values()) byName[name] = id;
    directory = JSON.stringify({ users: byName });
  }
  return directory;
}

function sendMessage({ recipient_id, message, sender_id }) {
  if (typeof recipient_id !== 'string' || recipient_id === '') throw new HttpError(400, 'recipient_id must be a string');
  if (typeof message !== 'string' || message.trim() === '') throw new HttpError(400, 'message must not be empty');
  if (message.length > MAX_MESSAGE && [...message].length > MAX_MESSAGE) throw new HttpError(400, 'message is too long');
  if (sender_id != null && typeof sender_id !== 'string') throw new HttpError(400, 'sender_id must be a string');
  const sender = sender_id == null ? null : users.get(sender_id);
  if (sender === undefined) throw new HttpError(401, 'sender_id is not a registered user');
  const recipient = users.get(recipient_id);
  if (!recipient) throw new HttpError(404, 'recipient_id is not a registered user');
  const id = String(++lastId).padStart(16, '0');
  const frame = JSON.stringify({
    from: sender?.name ?? 'anonymous',
    message,
    from_id: sender?.id ?? null,
    id,
    sent_at: new Date().toISOString(),
  });
  for (const socket of recipient.sockets) socket.send(frame);
  if (recipient.sockets.size === 0) recipient.queue.push(frame);
  const delivery = recipient.sockets.size > 0 ? 'delivered' : 'queued';
  return { status: 'success', details: `Message sent to recipient_id: ${recipient_id}`, delivery, message_id: id };
}

const routes = {
  'POST /api/users/create': async (req) => [201, createUser(await readJson(req))],
  'GET /api/users/list': () => [200, listUsers()],
  'POST /api/messages/send': async (req) => [200, sendMessage(await readJson(req))],
  'GET /health': () => [200, { status: 'ok' }],
};

const server = createServer(async (req, res) => {
  const route = routes[`${req.method} ${req.url}`];
  try {
    if (!route) throw new HttpError(404, `Cannot ${req.method} ${req.url}`);
    const [status, body] = await route(req);
    reply(res, status, body);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    const message = status === 500 ? 'Internal server error' : error.message;
    reply(res, status, { statusCode: status, message, error: STATUS_CODES[status] });
  }
});

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 16 * 1024, perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.alive = true;
  socket.on('pong', () => (socket.alive = true));
  socket.on('error', () => {});
  const timer = setTimeout(() => socket.close(4408, 'Authentication timeout'), AUTH_TIMEOUT_MS);
  socket.once('message', (data) => {
    clearTimeout(timer);
    let user;
    try {
      user = users.get(JSON.parse(data.toString()).id);
    } catch {
      // not JSON: unauthorized below
    }
    if (!user) return socket.close(4401, 'Unauthorized');
    // Queued frames first, oldest first; synchronous, so no live frame can overtake them.
    for (const frame of user.queue) socket.send(frame);
    user.queue = [];
    user.sockets.add(socket);
    socket.once('close', () => user.sockets.delete(socket));
  });
  socket.once('close', () => clearTimeout(timer));
});

// Ping like cohora does, so both pay for liveness checks.
setInterval(() => {
  for (const socket of wss.clients) {
    if (!socket.alive) socket.terminate();
    else (socket.alive = false), socket.ping();
  }
}, HEARTBEAT_MS).unref();

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ level: 30, msg: `baseline listening on http://127.0.0.1:${port}` }));
});

process.once('SIGTERM', () => {
  for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});

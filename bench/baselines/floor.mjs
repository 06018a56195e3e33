// The framework floor: the smallest Nest 12 app on @nestjs/platform-express and
// @nestjs/platform-ws that speaks cohora's protocol, everything in memory, no validation, nothing
// durable. What is left between it and cohora is cohora's own work (validation, durability,
// metrics, logging, limits); what is left between it and bare.mjs is what Nest and Express cost.
//
// Plain ESM with Nest's decorators applied by hand (Reflect.decorate is what TypeScript's
// emitted `__decorate` calls): the same runtime objects a TypeScript Nest app builds, with no
// build step of its own, so the bench can never run a stale floor. Dependencies are injected
// with explicit tokens (Inject), since there is no emitted `design:paramtypes` metadata.
// Run: PORT=0 HOST=127.0.0.1 node bench/baselines/floor.mjs
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, ConflictException, Controller, Get, HttpCode, Inject, Injectable, Module, NotFoundException, Post, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { WebSocketGateway } from '@nestjs/websockets';

const AUTH_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 30_000;

/** Users, their sockets and their undelivered frames: the whole state, in memory. */
class Chat {
  /** id -> { id, name, queue: frames not yet delivered, sockets: authenticated sockets } */
  users = new Map();
  /** lower-cased name -> id: names are unique without regard to case */
  nameKeys = new Set();
  /** the body of GET /api/users/list, kept up to date; no prototype, so any name is a plain key */
  directory = Object.create(null);
  lastId = 0;

  create(name) {
    const key = String(name).toLowerCase();
    if (key === 'anonymous' || this.nameKeys.has(key)) throw new ConflictException(`The name "${name}" is already taken`);
    const id = randomUUID();
    this.users.set(id, { id, name, queue: [], sockets: new Set() });
    this.nameKeys.add(key);
    this.directory[name] = id;
    return id;
  }

  send(recipientId, message, senderId) {
    const sender = senderId == null ? null : this.users.get(senderId);
    if (sender === undefined) throw new UnauthorizedException('sender_id is not a registered user');
    const recipient = this.users.get(recipientId);
    if (!recipient) throw new NotFoundException('recipient_id is not a registered user');
    const id = String(++this.lastId).padStart(16, '0');
    const frame = JSON.stringify({ from: sender?.name ?? 'anonymous', message, from_id: sender?.id ?? null, id, sent_at: new Date().toISOString() });
    for (const socket of recipient.sockets) socket.send(frame);
    const delivered = recipient.sockets.size > 0;
    if (!delivered) recipient.queue.push(frame);
    return { id, delivery: delivered ? 'delivered' : 'queued' };
  }

  /** Queued frames first, oldest first, then live ones: synchronous, so none can overtake. */
  attach(user, socket) {
    for (const frame of user.queue) socket.send(frame);
    user.queue = [];
    user.sockets.add(socket);
    socket.once('close', () => user.sockets.delete(socket));
  }
}
Reflect.decorate([Injectable()], Chat);

class UsersController {
  constructor(chat) {
    this.chat = chat;
  }

  create(body) {
    return { id: this.chat.create(body.name) };
  }

  list() {
    return { users: this.chat.directory };
  }
}
Reflect.decorate([Controller('api/users')], UsersController);
Inject(Chat)(UsersController, undefined, 0);
route(UsersController, 'create', [Post('create')], [Body()]);
route(UsersController, 'list', [Get('list')]);

class MessagesController {
  constructor(chat) {
    this.chat = chat;
  }

  send(body) {
    const { id, delivery } = this.chat.send(body.recipient_id, body.message, body.sender_id);
    return { status: 'success', details: `Message sent to recipient_id: ${body.recipient_id}`, delivery, message_id: id };
  }
}
Reflect.decorate([Controller('api/messages')], MessagesController);
Inject(Chat)(MessagesController, undefined, 0);
route(MessagesController, 'send', [Post('send'), HttpCode(200)], [Body()]);

class HealthController {
  health() {
    return { status: 'ok' };
  }
}
Reflect.decorate([Controller('health')], HealthController);
route(HealthController, 'health', [Get()]);

/** /ws: one auth frame `{ "id": ... }`, then message frames only. */
class ChatGateway {
  constructor(chat) {
    this.chat = chat;
  }

  handleConnection(socket) {
    socket.alive = true;
    socket.on('pong', () => (socket.alive = true));
    const timer = setTimeout(() => socket.close(4408, 'Authentication timeout'), AUTH_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.once('message', (data) => {
      clearTimeout(timer);
      let user;
      try {
        user = this.chat.users.get(JSON.parse(data.toString()).id);
      } catch {
        // not JSON: unauthorized below
      }
      if (!user) return socket.close(4401, 'Unauthorized');
      this.chat.attach(user, socket);
    });
  }
}
Reflect.decorate([WebSocketGateway({ path: '/ws', perMessageDeflate: false, maxPayload: 16 * 1024 })], ChatGateway);
Inject(Chat)(ChatGateway, undefined, 0);

class FloorModule {}
Reflect.decorate([Module({ controllers: [UsersController, MessagesController, HealthController], providers: [Chat, ChatGateway] })], FloorModule);

/** Applies method decorators, then parameter decorators (by position), as TypeScript would. */
function route(target, method, methodDecorators, parameterDecorators = []) {
  parameterDecorators.forEach((decorator, index) => decorator(target.prototype, method, index));
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, method);
  Reflect.decorate(methodDecorators, target.prototype, method, descriptor);
}

// warn and above only: the bench counts every other line a server prints as a problem.
const app = await NestFactory.create(FloorModule, { logger: ['error', 'warn'] });
app.useWebSocketAdapter(new WsAdapter(app));
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
const { port } = app.getHttpServer().address();
console.log(JSON.stringify({ level: 30, msg: `floor listening on http://127.0.0.1:${port}` }));

// Ping like cohora does, so every server pays for liveness checks.
const sockets = () => [...app.get(Chat).users.values()].flatMap((user) => [...user.sockets]);
setInterval(() => {
  for (const socket of sockets()) {
    if (!socket.alive) socket.terminate();
    else (socket.alive = false), socket.ping();
  }
}, HEARTBEAT_MS).unref();

process.once('SIGTERM', () => {
  for (const socket of sockets()) socket.close(1001, 'Server shutting down');
  setTimeout(() => process.exit(0), 1_000).unref();
  app.close().then(() => process.exit(0));
});

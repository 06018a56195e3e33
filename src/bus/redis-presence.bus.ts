import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PRESENCE_LEASE_MS, type PresenceListener, PresenceBus } from '../ports/presence.bus.js';
import type { RedisClients } from '../redis/redis-clients.js';

/** How often a process renews its lease, and looks for lapsed ones. */
const RENEW_EVERY_MS = 5_000;
/** Lapsed processes one sweep clears at most (each costs its users' count). */
const SWEEP_BATCH = 16;

// Keys, all under the deployment's prefix: presence:user:<id> (the processes holding the user),
// presence:proc:<process> (the users a process holds), presence:leases (process -> lease end,
// in Redis's clock). Changes go out on the channel presence as "1<id>" or "0<id>".
// Scripts use Redis's own clock, so hosts with skewed clocks agree on leases.
const NOW = `local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** KEYS: user, proc, leases. ARGV: process, user id, channel, lease ms. */
const ARRIVE = `${NOW}
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 1 then
  redis.call('PUBLISH', ARGV[3], '1' .. ARGV[2])
end
return 1`;

/** KEYS: user, proc. ARGV: process, user id, channel. */
const LEAVE = `
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('PUBLISH', ARGV[3], '0' .. ARGV[2])
end
return 1`;

/** KEYS: leases. ARGV: process, lease ms. Returns 1 if the lease was still held (not swept). */
const RENEW = `${NOW}
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if held then return 1 end
return 0`;

/**
 * KEYS: leases. ARGV: process, key prefix, channel, lease ms, then every user the process holds.
 * Makes Redis's record of the process exactly that list (after a lost lease or failed reports).
 */
const RESET = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
local proc = ARGV[2] .. 'proc:' .. ARGV[1]
local want = {}
for i = 5, #ARGV do want[ARGV[i]] = true end
for _, id in ipairs(redis.call('SMEMBERS', proc)) do
  if not want[id] then
    redis.call('SREM', proc, id)
    local user = ARGV[2] .. 'user:' .. id
    if redis.call('SREM', user, ARGV[1]) == 1 and redis.call('SCARD', user) == 0 then
      redis.call('PUBLISH', ARGV[3], '0' .. id)
    end
  end
end
for i = 5, #ARGV do
  local id = ARGV[i]
  redis.call('SADD', proc, id)
  local user = ARGV[2] .. 'user:' .. id
  if redis.call('SADD', user, ARGV[1]) == 1 and redis.call('SCARD', user) == 1 then
    redis.call('PUBLISH', ARGV[3], '1' .. id)
  end
end
return 1`;

/** KEYS: leases. ARGV: key prefix, channel, batch. Drops the users of processes whose lease lapsed. */
const SWEEP = `${NOW}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, process in ipairs(dead) do
  local proc = ARGV[1] .. 'proc:' .. process
  for _, id in ipairs(redis.call('SMEMBERS', proc)) do
    local user = ARGV[1] .. 'user:' .. id
    if redis.call('SREM', user, process) == 1 and redis.call('SCARD', user) == 0 then
      redis.call('PUBLISH', ARGV[2], '0' .. id)
    end
  end
  redis.call('DEL', proc)
  redis.call('ZREM', KEYS[1], process)
end
return #dead`;

interface PresenceCommands {
  cohoraPresenceArrive(user: string, proc: string, leases: string, ...args: (string | number)[]): Promise<number>;
  cohoraPresenceLeave(user: string, proc: string, ...args: string[]): Promise<number>;
  cohoraPresenceRenew(leases: string, ...args: (string | number)[]): Promise<number>;
  cohoraPresenceReset(leases: string, ...args: (string | number)[]): Promise<number>;
  cohoraPresenceSweep(leases: string, ...args: (string | number)[]): Promise<number>;
}

/**
 * Presence in Redis, shared by every process. Each process reports its users' arrivals and
 * departures (one small script each: two set updates, and a publish only when the user's set
 * of processes becomes non-empty or empty) and renews a lease every 5 s. Every process
 * subscribes to the one presence channel, so a change costs one publish delivered once to
 * each process, which hands it to its watchers of that user. Every process also sweeps
 * lapsed leases: a process killed without closing its sockets takes its users offline
 * PRESENCE_LEASE_MS after its last renewal. When reports fail (Redis away), the next renewal
 * that succeeds rewrites this process's record whole.
 */
export class RedisPresenceBus extends PresenceBus implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisPresenceBus.name);
  private readonly process = randomUUID();
  private readonly here = new Set<string>();
  private readonly commands: Redis & PresenceCommands;
  private readonly channel: string;
  private readonly leases: string;
  private readonly timer: NodeJS.Timeout;
  private listener?: PresenceListener;
  /** A report failed: Redis's record of this process may be wrong until the next reset. */
  private stale = false;

  constructor(private readonly redis: RedisClients) {
    super();
    this.channel = redis.key('presence');
    this.leases = redis.key('presence', 'leases');
    const commands = redis.commands;
    commands.defineCommand('cohoraPresenceArrive', { numberOfKeys: 3, lua: ARRIVE });
    commands.defineCommand('cohoraPresenceLeave', { numberOfKeys: 2, lua: LEAVE });
    commands.defineCommand('cohoraPresenceRenew', { numberOfKeys: 1, lua: RENEW });
    commands.defineCommand('cohoraPresenceReset', { numberOfKeys: 1, lua: RESET });
    commands.defineCommand('cohoraPresenceSweep', { numberOfKeys: 1, lua: SWEEP });
    this.commands = commands as Redis & PresenceCommands;
    redis.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.listener?.changed(text.slice(1), text[0] === '1');
    });
    redis.subscriber.on('ready', () => this.listener?.mayHaveMissed());
    redis.subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn(`Could not subscribe to presence (resubscribed on reconnect): ${error.message}`);
    });
    this.timer = setInterval(() => void this.renewAndSweep(), RENEW_EVERY_MS).unref();
  }

  attach(listener: PresenceListener): void {
    this.listener = listener;
  }

  arrived(userId: string): void {
    this.here.add(userId);
    const { channel, leases, process } = this;
    this.report(
      this.commands.cohoraPresenceArrive(
        this.userKey(userId),
        this.procKey(),
        leases,
        process,
        userId,
        channel,
        PRESENCE_LEASE_MS,
      ),
    );
  }

  left(userId: string): void {
    this.here.delete(userId);
    this.report(
      this.commands.cohoraPresenceLeave(this.userKey(userId), this.procKey(), this.process, userId, this.channel),
    );
  }

  async online(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const pipeline = this.commands.pipeline();
    for (const id of ids) pipeline.exists(this.userKey(id));
    const answers = (await pipeline.exec()) ?? [];
    const online = new Set<string>();
    answers.forEach(([error, count], index) => {
      if (error) throw error;
      if (count === 1) online.add(ids[index]);
    });
    return online;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Renews this process's lease (rewriting its record when it was lost or may be wrong), then sweeps. */
  async renewAndSweep(): Promise<void> {
    try {
      const held = await this.commands.cohoraPresenceRenew(this.leases, this.process, PRESENCE_LEASE_MS);
      if (!held || this.stale) {
        this.stale = false;
        await this.commands.cohoraPresenceReset(
          this.leases,
          this.process,
          this.redis.key('presence', ''),
          this.channel,
          PRESENCE_LEASE_MS,
          ...this.here,
        );
        if (!held && this.here.size > 0)
          this.logger.log(`Presence lease renewed after a lapse; ${this.here.size} user(s) reported again`);
      }
      const swept = await this.commands.cohoraPresenceSweep(
        this.leases,
        this.redis.key('presence', ''),
        this.channel,
        SWEEP_BATCH,
      );
      if (swept > 0) this.logger.log(`Presence: ${swept} process(es) whose lease lapsed; their users are offline`);
    } catch (error) {
      this.stale = true;
      this.logger.warn(
        `Could not renew the presence lease (retried in ${RENEW_EVERY_MS / 1_000} s): ${(error as Error).message}`,
      );
    }
  }

  private report(command: Promise<number>): void {
    command.catch(() => {
      // Rewritten whole at the next renewal that succeeds.
      this.stale = true;
    });
  }

  private userKey(userId: string): string {
    return this.redis.key('presence', 'user', userId);
  }

  private procKey(): string {
    return this.redis.key('presence', 'proc', this.process);
  }
}

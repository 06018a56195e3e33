import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.js';
import { ResumingClient } from './resuming-client.js';

/** A send that has had no answer by then is counted as hung: no healthy server takes this long. */
const HANG_AFTER_MS = 10_000;

export interface LoadReport {
  accepted: number;
  /** Answered with something other than 200, or cut (reset, closed without an answer). */
  failed: string[];
  /** Not answered within HANG_AFTER_MS. */
  hung: string[];
  /** Accepted messages that no receiver holds once the wait for them ended. */
  missing: string[];
  reconnects: number;
}

/**
 * Steady closed-loop sends to a few receivers who hold resuming sockets (ResumingClient), as a
 * deployment sees while it is reloaded or loses a host: every send is classed as accepted,
 * failed or hung, and every accepted message must reach its receiver's socket.
 */
export class SteadyLoad {
  private readonly accepted: { text: string; receiver: number }[] = [];
  private readonly failed: string[] = [];
  private readonly hung: string[] = [];
  private sending = true;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly api: ApiClient,
    private readonly receivers: { id: string }[],
    readonly clients: ResumingClient[],
    private readonly senderId: string,
  ) {}

  /** Registers `receivers` users and a sender, opens the sockets, and starts `loops` senders. */
  static async start(
    api: ApiClient,
    { receivers = 4, loops = 3, pauseMs = 5, wsUrl = api.wsUrl } = {},
  ): Promise<SteadyLoad> {
    const users = await Promise.all(
      Array.from({ length: receivers }, (_, i) => api.createUser(`rcv${i}-${Math.random().toString(36).slice(2, 8)}`)),
    );
    const sender = await api.createUser(`snd-${Math.random().toString(36).slice(2, 8)}`);
    const clients = users.map((user) => new ResumingClient(wsUrl, user.id));
    const load = new SteadyLoad(api, users, clients, sender.id);
    await load.everySocketReceiving(30_000);
    load.loops = Array.from({ length: loops }, (_, loop) => load.sendLoop(loop, pauseMs));
    return load;
  }

  get acceptedCount(): number {
    return this.accepted.length;
  }

  /** Waits until `count` more sends have been accepted (the load is really flowing). */
  async untilAccepted(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.accepted.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.length < target && Date.now() < deadline) await sleep(20);
    if (this.accepted.length < target) throw new Error(`only ${this.accepted.length} of ${target} sends accepted`);
  }

  /**
   * Resolves once every receiver has got a message accepted after this call began: the time a
   * deployment needs until every socket is receiving again. Rejects after `timeoutMs`.
   */
  async everySocketReceiving(timeoutMs: number): Promise<number> {
    const started = Date.now();
    const counts = this.clients.map((client) => client.received.size);
    const probe = async () => {
      const pending = this.clients.map((client, i) => client.received.size <= counts[i]);
      for (const [i, waiting] of pending.entries()) {
        if (!waiting) continue;
        const res = await this.api
          .send(this.receivers[i].id, `probe-${Date.now()}`, this.senderId)
          .catch(() => undefined);
        if (res?.status !== 200) return false;
      }
      return true;
    };
    while (Date.now() - started < timeoutMs) {
      // A probe per waiting receiver makes sure each has something new to receive.
      await probe();
      await sleep(100);
      if (this.clients.every((client, i) => client.received.size > counts[i])) return Date.now() - started;
    }
    throw new Error(`some socket received nothing for ${timeoutMs} ms`);
  }

  /** Stops sending, waits for every accepted message to arrive (at most `timeoutMs`), closes the sockets. */
  async stop(timeoutMs = 20_000): Promise<LoadReport> {
    this.sending = false;
    await Promise.all(this.loops);
    const deadline = Date.now() + timeoutMs;
    let missing = this.missing();
    while (missing.length > 0 && Date.now() < deadline) {
      await sleep(100);
      missing = this.missing();
    }
    for (const client of this.clients) client.stop();
    return {
      accepted: this.accepted.length,
      failed: this.failed,
      hung: this.hung,
      missing,
      reconnects: this.clients.reduce((sum, client) => sum + client.reconnects, 0),
    };
  }

  private missing(): string[] {
    const held = this.clients.map((client) => new Set([...client.received.values()].map((frame) => frame.message)));
    return this.accepted.filter(({ text, receiver }) => !held[receiver].has(text)).map(({ text }) => text);
  }

  private async sendLoop(loop: number, pauseMs: number): Promise<void> {
    for (let i = 0; this.sending; i++) {
      const receiver = (loop + i) % this.receivers.length;
      const text = `${loop}:${i}`;
      const started = Date.now();
      try {
        const res = await fetch(`${this.api.baseUrl}/api/messages/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ recipient_id: this.receivers[receiver].id, message: text, sender_id: this.senderId }),
          signal: AbortSignal.timeout(HANG_AFTER_MS),
        });
        const body = await res.text();
        if (res.status === 200) this.accepted.push({ text, receiver });
        else this.failed.push(`${new Date(started).toISOString()} ${text}: ${res.status} ${body}`);
      } catch (error) {
        const stamp = `${new Date(started).toISOString()} ${text}`;
        if ((error as Error).name === 'TimeoutError') this.hung.push(stamp);
        else this.failed.push(`${stamp}: ${String((error as Error).cause ?? error)}`);
      }
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }
}

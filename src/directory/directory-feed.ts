import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DirectoryBus } from '../ports/directory.bus.js';
import { type User, UserStore } from '../ports/user.store.js';
import { V2_COALESCE_MS, V2_MAX_USERS_PER_FRAME } from '../protocol/ws-frames-v2.js';
import { UsersService } from '../users/users.service.js';
import { usersFrame } from './users-frame.js';

/** A socket that follows the directory: it gets `users` frames until it closes. */
export interface DirectoryFollower {
  sendFrame(text: string): void;
  readonly closed: Promise<unknown>;
}

/**
 * The `users` events of v2 sockets. The user store is the truth: on news of a registration
 * (this process's own, or the directory bus's from another), the feed reads the users after
 * the last version it saw and queues them. At most every 250 ms it sends the next (at most)
 * 1,000 as one frame, encoded once for every follower. A follower gets every user read after
 * it started following, which includes every user registered after its `ready` (and perhaps
 * a few from just before, which the client merges by id).
 */
@Injectable()
export class DirectoryFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DirectoryFeed.name);
  private readonly followers = new Set<DirectoryFollower>();
  private readonly queued: User[] = [];
  /** The directory version read so far; undefined until the first read answered. */
  private cursor?: number;
  private reading?: Promise<void>;
  private readAgain = false;
  private flushTimer?: NodeJS.Timeout;
  private lastFlushAt = 0;

  constructor(
    private readonly store: UserStore,
    private readonly bus: DirectoryBus,
    private readonly users: UsersService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.users.onUserCreated(() => {
      this.bus.announce();
      this.refresh();
    });
    this.bus.onNews(() => this.refresh());
    this.cursor = await this.store.version().catch(() => undefined);
  }

  onModuleDestroy(): void {
    clearTimeout(this.flushTimer);
  }

  /** `follower` gets every user read from now on, until it closes. */
  follow(follower: DirectoryFollower): void {
    this.followers.add(follower);
    void follower.closed.then(() => this.followers.delete(follower));
  }

  /** Reads the users registered since the last read; one read at a time, one more if asked meanwhile. */
  refresh(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readNew()
      .catch((error: Error) =>
        this.logger.warn(`Could not read new users (read again on the next news): ${error.message}`),
      )
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.refresh();
        }
      });
  }

  /** Resolves once the reads asked for so far are done (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.reading) await this.reading;
  }

  private async readNew(): Promise<void> {
    if (this.cursor === undefined) {
      // The boot's read failed: start from now, the users before are in GET /api/users/list.
      this.cursor = await this.store.version();
      return;
    }
    for (;;) {
      const page = await this.store.listSince(this.cursor, V2_MAX_USERS_PER_FRAME);
      this.cursor = page.version;
      // Nobody follows: nobody needs them (a follower from now on gets only later users).
      if (this.followers.size > 0) this.queued.push(...page.users);
      if (page.users.length < V2_MAX_USERS_PER_FRAME) break;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.queued.length === 0) return;
    const wait = Math.max(0, this.lastFlushAt + V2_COALESCE_MS - Date.now());
    // Unref'd: a tick left at shutdown must not hold the process.
    this.flushTimer = setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.lastFlushAt = Date.now();
    const batch = this.queued.splice(0, V2_MAX_USERS_PER_FRAME);
    if (batch.length > 0 && this.followers.size > 0) {
      const frame = usersFrame(batch);
      for (const follower of this.followers) follower.sendFrame(frame);
    }
    this.scheduleFlush();
  }
}

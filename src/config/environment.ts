import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { parseDuration } from './duration.js';
import { IsRate, type Rate, toRate } from './rate.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
const toDuration = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (parseDuration(value) ?? value) : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable cohora reads, with its rule and default.
 * `.env.example` documents the same list for operators: keep the two in step.
 */
export class Environment {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  /** A client must finish sending its request headers (an upgrade's too) within this, or gets 408. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(120_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /** A client must finish sending its whole request within this (at least the headers timeout). */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /**
   * Which proxies in front of cohora to believe about the client's address (X-Forwarded-For):
   * the rate limits count per address. Unset: none, the peer's address is the client's.
   */
  @IsOptional()
  @Matches(
    /^(true|\d{1,2}|(loopback|linklocal|uniquelocal|[\d.]+(\/\d{1,2})?|[\da-f:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[\d.]+(\/\d{1,2})?|[\da-f:]+(\/\d{1,3})?))*)$/i,
    {
      message:
        'TRUST_PROXY must be true, a number of proxies, or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal',
    },
  )
  TRUST_PROXY?: string = undefined;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @IsIn(['NORMAL', 'FULL'])
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL' = 'NORMAL';

  /** Set: users and messages live in this PostgreSQL database instead of the SQLite file. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// connection URL',
  })
  DATABASE_URL: string | undefined = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  DATABASE_POOL_SIZE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  AUTH_TIMEOUT_MS = 10_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16_384)
  MAX_MESSAGE_LENGTH = 4096;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  MAX_QUEUED_PER_USER = 10_000;

  @Transform(toDuration)
  @IsInt({ message: 'HISTORY_RETENTION must be a duration such as 24h, 30m or 86400000' })
  @Min(0)
  HISTORY_RETENTION = 86_400_000;

  @Transform(toDuration)
  @IsInt({ message: 'PRUNE_INTERVAL must be a duration such as 1m or 60000' })
  @Min(1_000)
  PRUNE_INTERVAL = 60_000;

  /** The longest a send waits for storage before it answers 503 (not stored) or 504 (outcome unknown). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SEND_TIMEOUT_MS = 3_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  HEARTBEAT_INTERVAL_MS = 30_000;

  /** Shutdown closes sockets over this window; with the rest of shutdown it must fit main.ts's 9 s. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(6_000)
  SHUTDOWN_DRAIN_MS = 3_000;

  @Transform(toInt)
  @IsInt()
  @Min(16_384)
  MAX_SOCKET_BUFFER_BYTES = 1_048_576;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** open: the spec (a user id is enough); token: secret tokens on /ws and on send. */
  @IsIn(['open', 'token'])
  AUTH_MODE: 'open' | 'token' = 'open';

  @IsOptional()
  @Matches(/^\s*https?:\/\/[^\s,/]+\/?\s*(,\s*https?:\/\/[^\s,/]+\/?\s*)*$/, {
    message: 'ALLOWED_ORIGINS must be a comma-separated list of origins such as https://chat.example.com',
  })
  ALLOWED_ORIGINS?: string = undefined;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  MAX_SOCKETS_PER_USER = 16;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  MAX_CONNECTIONS = 50_000;

  /**
   * Registrations per client address. The default only stops a flood: a spec client's test
   * suite registering several hundred users a minute from one address never meets it.
   */
  @Transform(toRate)
  @IsRate()
  RATE_LIMIT_CREATE: Rate | null = { limit: 3_000, windowMs: 60_000 };

  /**
   * Sends per sender (the sender's id; for anonymous sends, the client address). The default
   * lets one sender send a few hundred messages a second, bursts of thousands included.
   */
  @Transform(toRate)
  @IsRate()
  RATE_LIMIT_SEND: Rate | null = { limit: 5_000, windowMs: 10_000 };

  /** Frames one socket may send; a spec client sends one (its auth frame) and then nothing. */
  @Transform(toRate)
  @IsRate()
  RATE_LIMIT_WS_FRAMES: Rate | null = { limit: 5, windowMs: 1_000 };

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string = undefined;

  @Matches(/^[\w.:-]{1,64}$/, { message: 'REDIS_PREFIX must be 1 to 64 letters, digits, _ . : or -' })
  REDIS_PREFIX = 'cohora:';
}

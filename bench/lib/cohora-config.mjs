// The one place that says how the bench runs cohora. Every scenario starts cohora (one process,
// the PM2 cluster, on PostgreSQL) with BENCH_CONFIG over everything else, so a change of
// cohora's defaults never changes what the bench measures, and the report prints it.
// PORT, HOST, DATA_DIR and the store/bus variables (DATABASE_URL, REDIS_URL, REDIS_PREFIX) are
// per run and set by whoever starts the server.

/**
 * Every setting cohora reads (src/config/environment.ts), stated. The bench registers
 * thousands of users and sends thousands of messages a second from one address, which cohora's
 * rate limits rightly refuse on a public server: they are off, as is the request log line, so
 * what is measured is a message's own cost. The rest is cohora's shipped value, written out.
 */
export const BENCH_CONFIG = Object.freeze({
  LOG_LEVEL: 'warn',
  RATE_LIMIT_CREATE: 'off',
  RATE_LIMIT_SEND: 'off',
  RATE_LIMIT_WS_FRAMES: 'off',
  AUTH_MODE: 'open',
  MAX_MESSAGE_LENGTH: '4096',
  // drain raises it for a backlog past 10,000 and says so (see scenarios/drain.mjs).
  MAX_QUEUED_PER_USER: '10000',
  MAX_SOCKETS_PER_USER: '16',
  MAX_CONNECTIONS: '50000',
  MAX_SOCKET_BUFFER_BYTES: '1048576',
  AUTH_TIMEOUT_MS: '10000',
  HEARTBEAT_INTERVAL_MS: '30000',
  HTTP_HEADERS_TIMEOUT_MS: '10000',
  HTTP_REQUEST_TIMEOUT_MS: '30000',
  HISTORY_RETENTION: '24h',
  PRUNE_INTERVAL: '1m',
  SHUTDOWN_DRAIN_MS: '3000',
  SQLITE_SYNCHRONOUS: 'NORMAL',
  DATABASE_POOL_SIZE: '10',
  NODE_ENV: 'production',
});

/**
 * Settings the bench must leave unset, whatever a shell or a profile says: set, each would
 * change what a request does (an Origin check, a proxy's address, tokens on every send).
 */
export const UNSET = Object.freeze(['ALLOWED_ORIGINS', 'TRUST_PROXY']);

/**
 * Variants of cohora measured beside the bench configuration, each as the change it makes to
 * it, so a report can say what each costs. `defaults` is what an operator gets out of the box:
 * a request log line at info, and every rate limit checked. The HTTP limits are checked at a
 * level the bench never reaches: at cohora's shipped levels a load generator on one address is
 * refused by design, and what a check costs does not depend on its level. The frame limit keeps
 * cohora's own default, which a receiver (one auth frame) never reaches.
 */
export const VARIANTS = Object.freeze({
  'cohora-defaults': {
    label: 'cohora, defaults',
    describe: 'LOG_LEVEL=info, rate limits on (create and send checked at 1000000/1s, frames at cohora\'s default)',
    env: { LOG_LEVEL: 'info', RATE_LIMIT_CREATE: '1000000/1s', RATE_LIMIT_SEND: '1000000/1s', RATE_LIMIT_WS_FRAMES: undefined },
  },
  'cohora-info': {
    label: 'cohora, log at info',
    describe: 'LOG_LEVEL=info only: one log line per request',
    env: { LOG_LEVEL: 'info' },
  },
  // Issue 14: what an Idempotency-Key costs. Not a setting: every send of this variant carries a
  // key of its own (the generator reads `keyed`), so each is a first use, stored with its key.
  'cohora-keyed': {
    label: 'cohora, keyed sends',
    describe: 'the bench configuration; every send carries an Idempotency-Key of its own (issue 14)',
    env: {},
    keyed: true,
  },
  'cohora-limits': {
    label: 'cohora, limits on',
    describe: 'rate limits on only (as in cohora-defaults), LOG_LEVEL=warn',
    env: { RATE_LIMIT_CREATE: '1000000/1s', RATE_LIMIT_SEND: '1000000/1s', RATE_LIMIT_WS_FRAMES: undefined },
  },
});

/**
 * cohora's environment for a run: `base` (a PM2 profile's own env), then the bench
 * configuration over it, then the variant's changes, then the run's own (`env`: port, data dir,
 * store, bus, a scenario's stated exception). A value of `undefined` removes a variable, so
 * cohora uses its own default for it.
 */
export function cohoraEnv(env = {}, variant, base = {}) {
  const merged = { ...base, ...BENCH_CONFIG, ...(variant ? VARIANTS[variant].env : {}), ...env };
  for (const name of UNSET) delete merged[name];
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

/** `A=1 B=2` for the report. */
export function describeEnv(env) {
  return Object.entries(env)
    .map(([name, value]) => (value === undefined ? `${name} unset (cohora's default)` : `${name}=${value}`))
    .join(' ');
}

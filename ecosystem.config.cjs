// PM2 process file. After `npm ci && npm run build`:
//   npx pm2 start ecosystem.config.cjs                            one process (SQLite, in-process bus)
//   COHORA_LAYOUT=cluster npx pm2 start ecosystem.config.cjs      one host, a worker per core (SQLite + Redis)
//   COHORA_LAYOUT=hosts npx pm2 start ecosystem.config.cjs        each of many hosts (PostgreSQL + Redis)
// Then `npx pm2 reload cohora` replaces workers one by one; in the two cluster layouts no
// request fails and clients reconnect and resume by themselves. See README, "Deployment layouts".
// Every value below is a default: a variable set in the environment wins, e.g.
//   PORT=8080 DATABASE_URL=postgres://cohora@db.internal/cohora COHORA_LAYOUT=hosts npx pm2 start ecosystem.config.cjs
// Variables not named here (RATE_LIMIT_SEND, TRUST_PROXY, ...) reach cohora from the environment as they are.
const layouts = {
  single: {
    exec_mode: 'fork',
    // The in-process bus reaches only its own sockets: a second process on DATA_DIR refuses to start.
    instances: 1,
    env: { DATA_DIR: './data' },
  },
  cluster: {
    exec_mode: 'cluster',
    instances: 'max',
    // Every worker shares the SQLite file (WAL) and routes pushes over Redis.
    env: { DATA_DIR: './data', REDIS_URL: 'redis://127.0.0.1:6379' },
  },
  hosts: {
    exec_mode: 'cluster',
    instances: 'max',
    // Every host runs this profile behind the load balancer, on the same PostgreSQL and Redis.
    env: { DATABASE_URL: 'postgres://cohora@127.0.0.1:5432/cohora', REDIS_URL: 'redis://127.0.0.1:6379' },
  },
};

const layoutName = process.env.COHORA_LAYOUT || 'single';
const layout = layouts[layoutName];
if (!layout) throw new Error(`COHORA_LAYOUT must be one of ${Object.keys(layouts).join(', ')} (got ${layoutName})`);

/**
 * PM2 applies an app's `env` over the environment it was started from, so a default written
 * here would silently beat `PORT=8080 npx pm2 start …`. Each default yields to a set variable.
 */
const unlessSet = (defaults) =>
  Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, process.env[name] ?? value]));

module.exports = {
  apps: [
    {
      name: 'cohora',
      script: 'dist/main.js',
      exec_mode: layout.exec_mode,
      instances: layout.instances,
      // The server sends 'ready' once it listens; PM2 waits for it (up to listen_timeout) before
      // it stops the worker being replaced.
      wait_ready: true,
      listen_timeout: 15000,
      // Shutdown closes sockets with 1012 over SHUTDOWN_DRAIN_MS, lets keep-alive clients finish, and is over
      // within 9 s; then PM2 may SIGKILL.
      kill_timeout: 12000,
      max_memory_restart: '1G',
      // No PM2 metrics agent in the workers: it exits a worker (code 1) as soon as the worker
      // disconnects from PM2, which a stopping cohora worker does to leave the round-robin
      // cleanly (docs/decisions.md). cohora's own metrics are at /metrics.
      pmx: false,
      env: unlessSet({
        NODE_ENV: 'production',
        PORT: 3000,
        HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
        ...layout.env,
      }),
    },
  ],
};

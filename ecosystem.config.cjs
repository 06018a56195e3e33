// PM2 process file: `npm ci && npm run build`, then `npx pm2 start ecosystem.config.cjs`.
// One process: the embedded layout (SQLite + in-process bus) serves from a single process,
// and a second one on the same DATA_DIR refuses to start.
module.exports = {
  apps: [
    {
      name: 'cohora',
      script: 'dist/main.js',
      exec_mode: 'fork',
      instances: 1,
      // The server sends 'ready' once it listens; PM2 waits for it (up to listen_timeout).
      wait_ready: true,
      listen_timeout: 15000,
      // Shutdown closes sockets with 1012 over SHUTDOWN_DRAIN_MS and finishes requests within 9 s; then PM2 may SIGKILL.
      kill_timeout: 12000,
      max_memory_restart: '1G',
      env: {
        NODE_ENV: 'production',
        PORT: 3000,
        HOST: '0.0.0.0',
        DATA_DIR: './data',
        LOG_LEVEL: 'info',
      },
    },
  ],
};

/**
 * When cohora runs under `npm start`, npm is the process that supervisors and terminals see.
 * npm forwards SIGTERM and SIGINT, but if npm itself is killed (kill -9) the server would be
 * left running as an orphan, holding the port and the data directory. This ends the server
 * with its launcher instead: a hard exit, which durability is designed to survive.
 */
export function exitWithNpmLauncher(env: NodeJS.ProcessEnv, checkEveryMs = 500): void {
  if (env.npm_lifecycle_event === undefined) return;
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) {
      process.stderr.write('cohora: npm, which launched this server, has gone; exiting\n');
      process.exit(1);
    }
  }, checkEveryMs).unref();
}

import { execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Vitest global setup: the suite talks to a real Redis and a real PostgreSQL on their standard
 * local ports. Either one that does not answer is started with the machine's own commands (README,
 * "Developing"); if it still does not answer, the run stops here, loudly, instead of skipping.
 */
const SERVICES = [
  {
    name: 'Redis',
    port: 6379,
    start: () => 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
  },
  {
    name: 'PostgreSQL',
    port: 5432,
    start: () => `pg_ctlcluster --skip-systemctl-redirect ${readdirSync('/etc/postgresql')[0]} main start`,
  },
];

export default async function ensureServices(): Promise<void> {
  for (const service of SERVICES) {
    if (await answers(service.port)) continue;
    const command = service.start();
    console.log(`${service.name} does not answer on 127.0.0.1:${service.port}; starting it: ${command}`);
    try {
      execSync(command, { stdio: 'inherit' });
    } catch (error) {
      throw new Error(`Could not start ${service.name} (${command})`, { cause: error });
    }
    for (let i = 0; i < 50 && !(await answers(service.port)); i++) await sleep(100);
    if (!(await answers(service.port))) {
      throw new Error(`${service.name} still does not answer on 127.0.0.1:${service.port}; the tests need it`);
    }
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.connect(port, '127.0.0.1');
  });
}

// Where every CPU-second of the machine went during a measurement window: cohora's processes,
// the services it uses (Redis, PostgreSQL backends), the load generator (this process), and
// whatever else ran on the machine meanwhile. On a 2-core machine shared with other people,
// the last two decide how much of the machine the servers could have had.
import { cpuSecondsOf, machineBusySeconds } from './proc-stats.mjs';

/**
 * Returns `open()` for closedLoop/openLoop: it starts a window over `cohora` (pids), `redis`
 * (pids) and `database` (an object with `open()` returning `{ end() }` in CPU seconds, for
 * processes found while the run goes on). `end()` gives `{ cpu, wall, redisCpu, databaseCpu,
 * generatorCpu, otherCpu }` in seconds; `cpu` is cohora's, as in cpuWindow.
 */
export function cpuLedger({ cohora, redis = [], database }) {
  return () => {
    const t0 = performance.now();
    const cohora0 = cpuSecondsOf(cohora);
    const redis0 = cpuSecondsOf(redis);
    const databaseWindow = database?.open();
    const generator0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    return {
      end() {
        const cpu = cpuSecondsOf(cohora) - cohora0;
        const redisCpu = cpuSecondsOf(redis) - redis0;
        const databaseCpu = databaseWindow?.end() ?? 0;
        const { user, system } = process.cpuUsage(generator0);
        const generatorCpu = (user + system) / 1e6;
        const machineCpu = machineBusySeconds() - machine0;
        return {
          cpu,
          wall: (performance.now() - t0) / 1000,
          redisCpu,
          databaseCpu,
          generatorCpu,
          // Ticks are 10 ms and counted per process and per machine apart: clamp the rounding.
          otherCpu: Math.max(0, machineCpu - cpu - redisCpu - databaseCpu - generatorCpu),
        };
      },
    };
  };
}

// Server cost as the kernel counts it: CPU time and resident memory of one process, read from
// /proc so the measurement costs the server nothing and needs no cooperation from it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second that /proc/<pid>/stat counts in; 100 on nearly every Linux. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after its closing ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU seconds of several processes together; one that has already exited counts 0. */
export function cpuSecondsOf(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuSeconds(pid);
    } catch {
      // gone: its time left with it
    }
  }
  return total;
}

/**
 * Starts a measurement window over one process or several (`pid` may be an array); `end()`
 * gives CPU seconds (summed) and wall seconds spent in it.
 */
export function cpuWindow(pid) {
  const pids = [pid].flat();
  const cpu0 = cpuSecondsOf(pids);
  const t0 = performance.now();
  return {
    end() {
      return { cpu: cpuSecondsOf(pids) - cpu0, wall: (performance.now() - t0) / 1000 };
    },
  };
}

/**
 * CPU seconds the whole machine has been busy, all cores together (/proc/stat: user, nice,
 * system, irq, softirq; not idle, iowait, or steal, which is the hypervisor's). Against the bench's
 * own processes it shows how much other work ran meanwhile.
 */
export function machineBusySeconds() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq] = ticks;
  return (user + nice + system + irq + softirq) / CLK_TCK;
}

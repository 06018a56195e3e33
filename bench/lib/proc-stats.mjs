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

/** Starts a measurement window; `end()` gives CPU seconds and wall seconds spent in it. */
export function cpuWindow(pid) {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    end() {
      return { cpu: cpuSeconds(pid) - cpu0, wall: (performance.now() - t0) / 1000 };
    },
  };
}

// Node cannot raise its own open-file limit, so the bench reads it and caps the socket count.
import { execFileSync } from 'node:child_process';

/** The soft `ulimit -n` this process inherited; Infinity when unlimited or unknown. */
export function openFileLimit() {
  try {
    const value = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return value === 'unlimited' ? Infinity : Number(value) || Infinity;
  } catch {
    return Infinity;
  }
}

/** Descriptors kept free for HTTP sockets, the servers' pipes, files and node itself. */
export const FD_RESERVE = 400;

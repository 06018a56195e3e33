import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory with a small tmpfs mounted on it, for a disk a test can fill (needs root). */
export class Tmpfs {
  private constructor(readonly dir: string) {}

  static mount(sizeMb: number, prefix = 'cohora-full-'): Tmpfs {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
    return new Tmpfs(dir);
  }

  /** Unmounts it (lazily: a server may still hold a file open) and removes the directory. */
  unmount(): void {
    execFileSync('umount', ['-l', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fills the filesystem at `dir` to the last byte with one file, and returns its path: remove it to free the space. */
export function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
    for (;;) {
      try {
        writeFileSync(filler, chunk.subarray(0, size), { flag: 'a' });
      } catch {
        break;
      }
    }
  }
  return filler;
}

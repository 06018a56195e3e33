import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type HistoryEntry, HistoryStore, isHistoryEntry } from '../history.store.js';

/**
 * History in a JSON Lines file, one entry per line, one file per user. Appends only: a line is
 * written with O_APPEND in one call, so two processes of the same user (`listen` and `chat`)
 * can share the file; reading drops the duplicates they may both have written, and skips a line
 * cut short by a crash.
 */
export class JsonLinesHistoryStore extends HistoryStore {
  /** Ids in the file, read on first use: appends by this process are then checked in memory. */
  private ids?: Set<string>;
  /** Whether the file ends in the middle of a line (a crash during a write). */
  private partialLastLine = false;
  /** Appends run one at a time, so that the id check and the write cannot interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    super();
  }

  async entries(): Promise<HistoryEntry[]> {
    await this.queue;
    const entries = await this.read();
    this.ids = new Set(entries.map((entry) => entry.id));
    return entries;
  }

  append(entry: HistoryEntry): Promise<boolean> {
    const result = this.queue.then(() => this.write(entry));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async write(entry: HistoryEntry): Promise<boolean> {
    this.ids ??= new Set((await this.read()).map((stored) => stored.id));
    if (this.ids.has(entry.id)) return false;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const line = `${this.partialLastLine ? '\n' : ''}${JSON.stringify(entry)}\n`;
    await appendFile(this.file, line, { mode: 0o600 });
    this.partialLastLine = false;
    this.ids.add(entry.id);
    return true;
  }

  private async read(): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    this.partialLastLine = text.length > 0 && !text.endsWith('\n');
    const seen = new Set<string>();
    const entries: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry && !seen.has(entry.id)) {
        seen.add(entry.id);
        entries.push(entry);
      }
    }
    return entries;
  }
}

function parseLine(line: string): HistoryEntry | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return isHistoryEntry(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

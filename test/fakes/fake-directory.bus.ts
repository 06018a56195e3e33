import { DirectoryBus } from '../../src/ports/directory.bus.js';

/** A directory bus for unit tests: counts announcements, and delivers news "from another process" on demand. */
export class FakeDirectoryBus extends DirectoryBus {
  announced = 0;
  private readonly listeners: (() => void)[] = [];

  announce(): void {
    this.announced++;
  }

  onNews(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** News as another process's registration would bring it. */
  news(): void {
    for (const listener of this.listeners) listener();
  }
}

import { DirectoryBus } from '../ports/directory.bus.js';

/** One process: the directory hears of its own registrations directly, so there is no one to tell. */
export class LocalDirectoryBus extends DirectoryBus {
  announce(): void {}

  onNews(): void {}
}

import { Logger } from '@nestjs/common';
import type { StorageFault } from '../ports/message.store.js';

/**
 * Whether storage currently refuses writes for lack of space or for being read-only. It logs
 * once when that starts and once when a write succeeds again, however many writes fail between.
 */
export class WriteFaults {
  private readonly logger = new Logger('Storage');
  private fault: StorageFault | null = null;

  /** `where` names the storage in logs, e.g. "The SQLite file /data/cohora.sqlite". */
  constructor(private readonly where: string) {}

  get current(): StorageFault | null {
    return this.fault;
  }

  refused(fault: StorageFault): void {
    if (this.fault === fault) return;
    this.fault = fault;
    this.logger.error(
      `${this.where} is ${fault === 'full' ? 'full' : 'read-only'}: sends answer 507 and nothing is stored until it takes writes again`,
    );
  }

  accepted(): void {
    if (this.fault === null) return;
    this.fault = null;
    this.logger.log(`${this.where} takes writes again`);
  }
}

import { Module } from '@nestjs/common';
import { PresenceService } from './presence.service.js';

/** Who is online, for v2 sockets' `watch`: counted here, shared through the PresenceBus. */
@Module({
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}

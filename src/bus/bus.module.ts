import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { InstanceLock } from './instance-lock.js';
import { LocalMessageBus } from './local-message.bus.js';
import { MessageBus } from './message.bus.js';

@Module({
  providers: [
    {
      provide: MessageBus,
      inject: [AppConfig],
      useFactory: async ({ storage }: AppConfig): Promise<MessageBus> =>
        new LocalMessageBus(await InstanceLock.acquire(storage.dataDir)),
    },
  ],
  exports: [MessageBus],
})
export class BusModule {}

import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { HistoryPruner } from './history-pruner.js';
import { MessagesController } from './messages.controller.js';
import { MessagesGateway } from './messages.gateway.js';
import { MessagesService } from './messages.service.js';
import { SocketSends } from './socket-sends.js';
import { V2Sessions } from './v2-sessions.js';
import { SendBudget } from '../rate-limit/send-budget.js';

@Module({
  imports: [UsersModule, DirectoryModule, PresenceModule],
  controllers: [MessagesController],
  providers: [
    MessagesService,
    MessagesGateway,
    ConnectionRegistry,
    DeliveryTracker,
    HistoryPruner,
    SocketSends,
    SendBudget,
    V2Sessions,
  ],
})
export class MessagesModule {}

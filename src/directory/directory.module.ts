import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { DirectoryFeed } from './directory-feed.js';

/** Live directory events for v2 sockets: users registered on any process, coalesced. */
@Module({
  imports: [UsersModule],
  providers: [DirectoryFeed],
  exports: [DirectoryFeed],
})
export class DirectoryModule {}

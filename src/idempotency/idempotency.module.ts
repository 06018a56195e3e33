import { Module } from '@nestjs/common';
import { IdempotencyKeyPruner } from './idempotency-key-pruner.js';

/** Idempotency-Keys of sends: their 24 h pruning. Parsing and in-flight tracking serve MessagesService. */
@Module({
  providers: [IdempotencyKeyPruner],
})
export class IdempotencyModule {}

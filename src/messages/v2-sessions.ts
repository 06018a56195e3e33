import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DirectoryFeed } from '../directory/directory-feed.js';
import { PresenceService } from '../presence/presence.service.js';
import { V2_MAX_FRAME_BYTES, V2_MAX_IN_FLIGHT, V2_MAX_WATCH } from '../protocol/ws-frames-v2.js';
import type { ClientConnection } from './client-connection.js';
import { MessagesGateway } from './messages.gateway.js';
import { SocketSends } from './socket-sends.js';
import { errorFrame } from './v2-frames.js';
import { V2Session, type V2SessionContext } from './v2-session.js';

const PRESENCE_UNAVAILABLE = 'Presence cannot be looked up right now; watch again shortly';

/** Makes the session of each v2 socket, with what every session of the process shares. */
@Injectable()
export class V2Sessions implements OnModuleInit {
  private readonly logger = new Logger(V2Sessions.name);
  private readonly context: V2SessionContext;

  constructor(
    sends: SocketSends,
    config: AppConfig,
    directory: DirectoryFeed,
    presence: PresenceService,
    private readonly gateway: MessagesGateway,
  ) {
    this.context = {
      sends,
      limits: {
        max_message_length: config.messages.maxLength,
        max_frame_bytes: V2_MAX_FRAME_BYTES,
        max_in_flight: V2_MAX_IN_FLIGHT,
        max_watch: V2_MAX_WATCH,
      },
      frameRate: config.rateLimits.wsFrames,
      followDirectory: (connection) => directory.follow(connection),
      watch: (connection, ids) =>
        presence.watch(connection, ids).catch((error: Error) => {
          this.logger.warn(`Could not look presence up for a watch: ${error.message}`);
          connection.sendFrame(errorFrame(null, 503, PRESENCE_UNAVAILABLE, 1));
        }),
    };
  }

  onModuleInit(): void {
    this.gateway.serveV2With(this);
  }

  /** The session of a v2 connection, listening from its second frame on. */
  open(connection: ClientConnection): V2Session {
    return new V2Session(connection, this.context);
  }
}

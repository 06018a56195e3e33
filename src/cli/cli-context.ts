import { homedir } from 'node:os';
import { join } from 'node:path';
import { CohoraClient } from '../client/cohora-client.js';
import { JsonLinesHistoryStore } from '../client/node/json-lines-history.store.js';
import { ServerUrl } from '../client/server-url.js';
import { UsageError } from './cli-error.js';
import { type NamedProfile, ProfileStore } from './profile-store.js';
import { safeText } from './terminal-text.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

export interface GlobalOptions {
  server?: string;
  as?: string;
}

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** What every command needs: the options, the profiles, the server to talk to, and where to write. */
export class CliContext {
  readonly profiles: ProfileStore;

  constructor(
    readonly options: GlobalOptions,
    readonly env: Record<string, string | undefined>,
    readonly io: CliIo,
  ) {
    this.profiles = new ProfileStore(env.COHORA_HOME || join(homedir(), '.cohora'));
  }

  /**
   * `--server` first; then the server the profile was registered on (its id means nothing
   * elsewhere); then COHORA_SERVER; then the default.
   */
  server(profile?: NamedProfile): ServerUrl {
    const chosen = this.options.server ?? profile?.server ?? (this.env.COHORA_SERVER || DEFAULT_SERVER);
    try {
      return new ServerUrl(chosen);
    } catch {
      throw new UsageError(`${JSON.stringify(chosen)} is not a server URL such as ${DEFAULT_SERVER}`);
    }
  }

  /** The profile to act as: `--as`, else the current one. */
  profile(): NamedProfile {
    return this.profiles.pick(this.options.as);
  }

  client(profile?: NamedProfile): CohoraClient {
    return new CohoraClient({ server: this.server(profile), token: profile?.token });
  }

  history(profile: NamedProfile): JsonLinesHistoryStore {
    return new JsonLinesHistoryStore(this.profiles.historyFile(profile.name));
  }

  /** A line on stdout: the command's output. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** A line on stderr: status and errors, kept apart so stdout can be piped. */
  note(line: string): void {
    this.io.stderr.write(`${safeText(line)}\n`);
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type WebSocket from 'ws';
import { AppModule } from '../../src/app.module.js';
import { appOptions, configureApp } from '../../src/app.setup.js';
import { AppConfig } from '../../src/config/app-config.js';
import { WsClient } from './ws-client.js';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'cohora-test-'));
}

/**
 * The real AppModule, configured as in production by configureApp, listening on a free port
 * with its own data directory. `env` takes the same variables as the server.
 */
export class TestApp {
  private readonly sockets: WsClient[] = [];

  private constructor(
    readonly app: NestExpressApplication,
    readonly baseUrl: string,
    readonly dataDir: string,
  ) {}

  /** `port` 0 picks a free one; a restart test passes the port the first app had. */
  static async start(env: Record<string, string> = {}, dataDir = tempDataDir(), port = 0): Promise<TestApp> {
    const config = AppConfig.fromEnv({ LOG_LEVEL: 'silent', ...env, DATA_DIR: dataDir });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(AppConfig)
      .useValue(config)
      .compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>(appOptions);
    configureApp(app);
    await app.listen(port, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return new TestApp(app, url, dataDir);
  }

  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  get wsUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the test sees the text.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  post<T = any>(path: string, body?: unknown): Promise<HttpResult<T>> {
    return this.request<T>('POST', path, body);
  }

  get<T = any>(path: string): Promise<HttpResult<T>> {
    return this.request<T>('GET', path);
  }

  async createUser(name: string): Promise<{ id: string; name: string }> {
    const res = await this.post<{ id: string }>('/api/users/create', { name });
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, name };
  }

  send(recipientId: string, message: string, senderId?: string): Promise<HttpResult> {
    return this.post('/api/messages/send', { recipient_id: recipientId, message, sender_id: senderId });
  }

  /** Opens a socket without authenticating. */
  async open(options?: WebSocket.ClientOptions): Promise<WsClient> {
    const client = await WsClient.open(this.wsUrl, options);
    this.sockets.push(client);
    return client;
  }

  /** Opens a socket and authenticates as `id` (resuming after `since` if given). */
  async connect(id: string, since?: string): Promise<WsClient> {
    const client = await this.open();
    client.send(since === undefined ? { id } : { id, since });
    return client;
  }

  /** Stops the app as SIGTERM would, keeping its data directory (for restart tests). */
  async stop(): Promise<void> {
    await this.app.close();
    for (const socket of this.sockets) socket.socket.terminate();
  }

  /** Stops the app and removes its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

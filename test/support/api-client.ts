import type WebSocket from 'ws';
import { V2Client, type V2Options } from './v2-client.js';
import { WsClient } from './ws-client.js';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A real HTTP and WebSocket client of one cohora server, with shortcuts for what tests do most. */
export class ApiClient {
  private readonly sockets: { socket: WebSocket }[] = [];

  constructor(readonly baseUrl: string) {}

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

  /** Registers `name`; the token is the user's secret, which AUTH_MODE=token asks for. */
  async createUser(name: string): Promise<{ id: string; name: string; token: string }> {
    const res = await this.post<{ id: string; token: string }>('/api/users/create', { name });
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id, name, token: res.body.token };
  }

  /** Sends with `Authorization: Bearer <token>` (AUTH_MODE=token), and `sender_id` if given. */
  sendWithToken(token: string, recipientId: string, message: string, senderId?: string): Promise<HttpResult> {
    return this.request(
      'POST',
      '/api/messages/send',
      { recipient_id: recipientId, message, sender_id: senderId },
      { authorization: `Bearer ${token}` },
    );
  }

  send(recipientId: string, message: string, senderId?: string): Promise<HttpResult> {
    return this.post('/api/messages/send', { recipient_id: recipientId, message, sender_id: senderId });
  }

  /** Sends with an Idempotency-Key header. */
  sendKeyed(key: string, recipientId: string, message: string, senderId?: string): Promise<HttpResult> {
    return this.request(
      'POST',
      '/api/messages/send',
      { recipient_id: recipientId, message, sender_id: senderId },
      { 'idempotency-key': key },
    );
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

  /**
   * Connects as `id` and returns once the server has authenticated the socket and subscribed
   * it to news from other processes: a probe message sent through this same server arrives
   * first (probes from earlier calls may come before it; all of them are taken). The spec's
   * server sends no acknowledgement to wait for instead.
   */
  async connectLive(id: string): Promise<WsClient> {
    const client = await this.connect(id);
    const probe = `probe ${Math.random()}`;
    await this.send(id, probe);
    for (;;) {
      const { message } = await client.nextFrame();
      if (message === probe) return client;
      if (!message.startsWith('probe ')) throw new Error(`expected only probes before ${probe}, got ${message}`);
    }
  }

  /** Resolves once /health says the bus reaches the other processes. */
  async busConnected(timeoutMs = 15_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const { body } = await this.get<{ details?: { bus?: { connected?: boolean } } }>('/health');
      if (body.details?.bus?.connected) return;
      if (Date.now() > deadline) throw new Error('the bus did not reconnect');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Opens a socket and authenticates with `{ id, token }` (AUTH_MODE=token). */
  async connectWithToken(id: string, token: string, since?: string): Promise<WsClient> {
    const client = await this.open();
    client.send(since === undefined ? { id, token } : { id, token, since });
    return client;
  }

  /** Opens a socket offering cohora.v2 and authenticates as `id` (if given); does not wait for ready. */
  async openV2(id?: string, options?: V2Options): Promise<V2Client> {
    const client = await V2Client.open(this.wsUrl, id, options);
    this.sockets.push(client);
    return client;
  }

  /** A cohora.v2 socket of `id` that has received its ready frame. */
  async connectV2(id: string, options?: V2Options): Promise<V2Client> {
    const client = await this.openV2(id, options);
    await client.next('ready');
    return client;
  }

  /** Cuts every socket this client opened. */
  terminateSockets(): void {
    for (const socket of this.sockets) socket.socket.terminate();
  }
}

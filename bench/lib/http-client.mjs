// A lean HTTP/1.1 JSON client over keep-alive sockets. Raw http.request, not fetch: undici's
// per-request overhead would make the generator, not the server, the bottleneck on one core.
import http from 'node:http';

export class HttpClient {
  /** `maxSockets` bounds the connections; callers keep at most that many requests in flight. */
  constructor(baseUrl, maxSockets = 64) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** Resolves with `{ status, text }`; rejects only on transport errors or after `timeoutMs`. `headers` are sent besides the JSON ones. */
  request(method, path, body, timeoutMs = 30_000, headers = undefined) {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POST that must answer `expected`; returns the parsed body. */
  async postJson(path, body, expected) {
    const { status, text } = await this.request('POST', path, body);
    if (status !== expected) throw new Error(`POST ${path} answered ${status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  close() {
    this.agent.destroy();
  }
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; rejects on the first
 * failure. `onProgress(done)` is called now and then for long runs.
 */
export async function pool(count, concurrency, task, onProgress) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
      if (++done % 1000 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

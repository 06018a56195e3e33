// Forces a full garbage collection in a server started with --inspect, so that RSS before and
// after opening sockets is compared at the same heap state, not at whatever slack earlier
// garbage left behind (which would make a server that made more garbage look cheaper per socket).
import WebSocket from 'ws';

/** Runs HeapProfiler.collectGarbage over the inspector protocol at `url` (ws://...); bounded. */
export function collectGarbage(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`inspector at ${url} did not collect garbage within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
    socket.on('message', (data) => {
      if (JSON.parse(data.toString()).id !== 1) return;
      clearTimeout(timer);
      socket.close();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

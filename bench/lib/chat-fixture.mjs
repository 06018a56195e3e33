// The common setup of throughput and latency: registered senders, connected receivers, and
// proof (a probe each) that every receiver is authenticated before the clock starts.
import { VARIANTS } from './cohora-config.mjs';
import { HttpClient } from './http-client.mjs';
import { Receivers } from './receivers.mjs';
import { createUsers } from './users.mjs';
import { Verifier } from './verifier.mjs';

export async function setupChat(server, { senders: senderCount, receivers: receiverCount, maxSockets = 64 }) {
  const client = new HttpClient(server.baseUrl, maxSockets);
  const senders = await createUsers(client, 'sender', senderCount);
  const recipients = await createUsers(client, 'receiver', receiverCount);
  const verifier = new Verifier(
    senders.map((s) => s.name),
    receiverCount,
  );
  const receivers = new Receivers(server.baseUrl, verifier);
  await receivers.open(recipients);
  const arrived = await receivers.probe(client, recipients, recipients.map((_, i) => i));
  if (arrived !== receiverCount) throw new Error(`only ${arrived} of ${receiverCount} receivers answered the probe`);
  return {
    client,
    // The cohora-keyed variant: every send with an Idempotency-Key of its own.
    keyed: VARIANTS[server.kind]?.keyed === true,
    senders,
    recipients,
    verifier,
    receivers,
    async close() {
      await receivers.close();
      client.close();
    },
  };
}

/** The JSON body of a send, built as text: cheaper than JSON.stringify on the hot path. */
export function sendBody(recipientId, senderId, text) {
  return `{"recipient_id":"${recipientId}","message":"${text}","sender_id":"${senderId}"}`;
}

/**
 * Waits until every accepted send has produced its frame; gives up after `timeoutMs`, or once
 * no frame at all has arrived for `idleMs` (a lost frame would otherwise cost the whole timeout).
 */
export async function waitForFrames(verifier, timeoutMs, idleMs = 3_000) {
  const started = performance.now();
  const deadline = started + timeoutMs;
  while (verifier.missing > 0) {
    const now = performance.now();
    if (now > deadline || now - Math.max(started, verifier.lastFrameAt ?? 0) > idleMs) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return verifier.missing === 0;
}

/** The verifier's findings plus what the transport saw: failed sends, sockets the server closed. */
export function correctnessOf(verifier, receivers, sendErrors, errorExamples) {
  const report = verifier.report();
  return {
    ...report,
    sendErrors,
    unexpectedCloses: receivers.closedUnexpectedly,
    closeCodes: receivers.closeCodes,
    ok: report.ok && sendErrors === 0 && receivers.closedUnexpectedly === 0,
    examples: [...report.examples, ...errorExamples],
  };
}

// Checks every frame the receivers get against what the senders were told was accepted:
// nothing lost, duplicated, misrouted or out of order per sender-recipient pair, and measures
// latency from a timestamp the sender wrote into the message text.

const TEXT_LENGTH = 64;

/**
 * The message text: `recipient:sender:seq:sentAtMs:` padded to 64 chars. The timestamp is
 * performance.now() of this process (the receivers live here too), or the intended send time
 * for open-loop runs.
 */
export function messageText(recipient, sender, seq, sentAtMs) {
  const head = `${recipient}:${sender}:${seq}:${sentAtMs.toFixed(3)}:`;
  return head.padEnd(TEXT_LENGTH, 'x');
}

function parseText(text) {
  const [recipient, sender, seq, sentAt] = text.split(':', 4);
  return { recipient: Number(recipient), sender: Number(sender), seq: Number(seq), sentAt: Number(sentAt) };
}

export class Verifier {
  /**
   * `senderNames[i]` is the registered name of sender i (or 'anonymous'), which every frame
   * from it must carry; `recipientCount` sizes the pair table.
   */
  constructor(senderNames, recipientCount) {
    this.senderNames = senderNames;
    this.recipientCount = recipientCount;
    /** pair key -> { accepted, received, lastId, seen: Set<seq> } */
    this.pairs = new Map();
    this.latencies = [];
    this.recordLatency = true;
    /** Only sends stamped within [latencyFrom, latencyUntil) count towards latency. */
    this.latencyFrom = -Infinity;
    this.latencyUntil = Infinity;
    /** Off for open-loop runs, where one pair may have two sends in flight. */
    this.seqOrdered = true;
    this.counts = { accepted: 0, frames: 0, duplicated: 0, misrouted: 0, outOfOrder: 0, malformed: 0, idRegressions: 0 };
    this.examples = [];
  }

  pair(sender, recipient) {
    const key = sender * this.recipientCount + recipient;
    let state = this.pairs.get(key);
    if (!state) this.pairs.set(key, (state = { accepted: 0, received: 0, lastId: '', lastSeq: -1, seen: new Set() }));
    return state;
  }

  /** The server answered 200 to this send: it now owes the recipient one frame. */
  accepted(sender, recipient) {
    this.pair(sender, recipient).accepted++;
    this.counts.accepted++;
  }

  /**
   * A frame arrived at `receiver` (a recipient index). `connection` carries per-socket state
   * (`lastId`) so a regression in message ids on one socket is noticed.
   */
  frame(receiver, connection, data, now) {
    this.counts.frames++;
    this.lastFrameAt = now;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return this.problem('malformed', `receiver ${receiver}: not JSON: ${String(data).slice(0, 80)}`);
    }
    if (typeof frame.message !== 'string' || typeof frame.id !== 'string' || !/^\d{16}$/.test(frame.id)) {
      return this.problem('malformed', `receiver ${receiver}: bad frame ${String(data).slice(0, 120)}`);
    }
    if (frame.message.startsWith('probe:')) return; // readiness probes, see Receivers.probe
    const text = parseText(frame.message);
    if (text.recipient !== receiver) {
      return this.problem('misrouted', `frame for ${text.recipient} arrived at ${receiver}`);
    }
    if (frame.from !== this.senderNames[text.sender]) {
      return this.problem('misrouted', `frame from sender ${text.sender} named "${frame.from}"`);
    }
    if (frame.id <= connection.lastId) this.problem('idRegressions', `receiver ${receiver}: id ${frame.id} after ${connection.lastId}`);
    connection.lastId = frame.id > connection.lastId ? frame.id : connection.lastId;
    const state = this.pair(text.sender, text.recipient);
    if (state.seen.has(text.seq)) return this.problem('duplicated', `pair ${text.sender}->${text.recipient} seq ${text.seq} twice`);
    state.seen.add(text.seq);
    state.received++;
    // Acceptance order is id order, so per pair the ids must rise; with one send in flight per
    // pair (closed loop, drain) the sequence numbers must rise too.
    if (frame.id < state.lastId || (this.seqOrdered && text.seq < state.lastSeq)) {
      this.problem('outOfOrder', `pair ${text.sender}->${text.recipient}: seq ${text.seq} (id ${frame.id}) after seq ${state.lastSeq}`);
    }
    if (frame.id > state.lastId) state.lastId = frame.id;
    if (text.seq > state.lastSeq) state.lastSeq = text.seq;
    if (this.recordLatency && text.sentAt >= this.latencyFrom && text.sentAt < this.latencyUntil) {
      this.latencies.push(now - text.sentAt);
    }
  }

  problem(kind, example) {
    this.counts[kind]++;
    if (this.examples.length < 10) this.examples.push(`${kind}: ${example}`);
  }

  /** Accepted sends with no frame yet. */
  get missing() {
    let missing = 0;
    for (const state of this.pairs.values()) missing += Math.max(0, state.accepted - state.received);
    return missing;
  }

  /** Frames for sends that never got their 200 (e.g. a timed-out request the server kept). */
  get unacknowledged() {
    let extra = 0;
    for (const state of this.pairs.values()) extra += Math.max(0, state.received - state.accepted);
    return extra;
  }

  /** The correctness part of a run's result; `ok` is what --smoke asserts. */
  report() {
    const lost = this.missing;
    const { duplicated, misrouted, outOfOrder, malformed } = this.counts;
    return {
      ...this.counts,
      lost,
      unacknowledged: this.unacknowledged,
      ok: lost === 0 && duplicated === 0 && misrouted === 0 && outOfOrder === 0 && malformed === 0,
      examples: this.examples,
    };
  }
}

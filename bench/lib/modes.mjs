// Sizes for each mode. quick must finish all scenarios, every server, 3 rounds in about
// 14 minutes on 2 cores (11 without cluster and store); smoke only proves correctness in about
// a minute; full is the real thing.

export const MODES = {
  smoke: {
    rounds: 1,
    throughput: { senders: 8, receivers: 20, warmupMs: 200, durationMs: 700 },
    latency: { senders: 8, receivers: 20, rates: [300, 600], warmupMs: 200, durationMs: 500 },
    connections: { steps: [200], sample: 50 },
    drain: { messages: 500, senders: 4 },
    scale: { levels: [{ users: 100, messages: 200 }, { users: 300, messages: 600 }], sends: 200, lists: 2 },
    // 68 users: past the 60 a minute cohora's registration limit allowed by default when the
    // PM2 workers did not get the bench configuration.
    cluster: {
      senders: 8,
      receivers: 60,
      throughput: { warmupMs: 200, durationMs: 700 },
      latency: { rate: 200, warmupMs: 200, durationMs: 500 },
    },
    store: { senders: 8, receivers: 20, warmupMs: 200, durationMs: 700 },
    'socket-sends': { senders: 8, receivers: 20, rate: 300, throughput: { warmupMs: 200, durationMs: 700 }, latency: { warmupMs: 200, durationMs: 500 } },
    presence: { levels: [100, 300], changes: 2 },
  },
  quick: {
    rounds: 3,
    throughput: { senders: 32, receivers: 100, warmupMs: 1_000, durationMs: 4_000 },
    latency: { senders: 32, receivers: 100, rates: [1_000, 2_000], warmupMs: 1_000, durationMs: 5_000 },
    connections: { steps: [1_000, 5_000], sample: 100 },
    // cohora's default MAX_QUEUED_PER_USER is 10,000: quick stays within it.
    drain: { messages: 10_000, senders: 16 },
    scale: {
      levels: [
        { users: 1_000, messages: 2_000 },
        { users: 3_000, messages: 6_000 },
        { users: 10_000, messages: 20_000 },
      ],
      sends: 3_000,
      lists: 3,
    },
    // 64 senders: enough requests in flight to keep two workers busy. A long warm-up: each of
    // two workers sees half the messages, so it needs twice as long to be optimised by the JIT.
    cluster: {
      senders: 64,
      receivers: 200,
      throughput: { warmupMs: 5_000, durationMs: 5_000 },
      latency: { rate: 500, warmupMs: 1_000, durationMs: 4_000 },
    },
    store: { senders: 32, receivers: 100, warmupMs: 3_000, durationMs: 5_000 },
    // Issue 16: the same senders and receivers as throughput and latency, and the rate.
    'socket-sends': { senders: 32, receivers: 100, rate: 1_000, throughput: { warmupMs: 1_000, durationMs: 4_000 }, latency: { warmupMs: 1_000, durationMs: 5_000 } },
    // Watchers of one user, each a socket of its own user: the 10,000, and a tenth of it.
    presence: { levels: [1_000, 10_000], changes: 10 },
  },
  full: {
    rounds: 5,
    throughput: { senders: 32, receivers: 100, warmupMs: 2_000, durationMs: 10_000 },
    latency: { senders: 32, receivers: 100, rates: [1_000, 2_000], warmupMs: 2_000, durationMs: 20_000 },
    connections: { steps: [1_000, 5_000, 10_000, 19_000], sample: 200 },
    drain: { messages: 50_000, senders: 16 },
    scale: {
      levels: [
        { users: 1_000, messages: 10_000 },
        { users: 10_000, messages: 100_000 },
        { users: 100_000, messages: 1_000_000 },
      ],
      sends: 5_000,
      lists: 5,
    },
    cluster: {
      senders: 64,
      receivers: 200,
      throughput: { warmupMs: 10_000, durationMs: 10_000 },
      latency: { rate: 500, warmupMs: 2_000, durationMs: 10_000 },
    },
    store: { senders: 32, receivers: 100, warmupMs: 5_000, durationMs: 10_000 },
    'socket-sends': { senders: 32, receivers: 100, rate: 1_000, throughput: { warmupMs: 2_000, durationMs: 10_000 }, latency: { warmupMs: 2_000, durationMs: 20_000 } },
    presence: { levels: [1_000, 10_000], changes: 20 },
  },
};

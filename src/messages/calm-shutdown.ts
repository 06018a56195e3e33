/** Closing this many sockets at once is harmless: fewer are closed in one batch, at once. */
export const MIN_BATCH = 50;
/** Batches are at least this far apart; more sockets make bigger batches, not more of them. */
const MIN_INTERVAL_MS = 100;

export interface BatchPlan {
  batches: number;
  intervalMs: number;
}

/**
 * How to spread `count` closes over `drainMs`: as few batches of at least MIN_BATCH as will do,
 * evenly over the window, no closer together than MIN_INTERVAL_MS. 19,000 sockets over 3 s
 * close in 30 batches of about 630, one every 100 ms; 40 sockets close at once.
 */
export function planBatches(count: number, drainMs: number): BatchPlan {
  const most = Math.max(1, Math.floor(drainMs / MIN_INTERVAL_MS));
  const batches = Math.max(1, Math.min(most, Math.ceil(count / MIN_BATCH)));
  return { batches, intervalMs: batches > 1 ? drainMs / batches : 0 };
}

/**
 * Closes `items` in batches over `drainMs`, in random order and with each pause jittered by up
 * to half an interval, so that the clients of a deploy reconnect spread out, not as one storm.
 * Items that closed by themselves meanwhile are passed over by `close` (it must be idempotent).
 */
export async function closeInBatches<T>(
  items: readonly T[],
  drainMs: number,
  close: (item: T) => void,
  random: () => number = Math.random,
): Promise<void> {
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const { batches, intervalMs } = planBatches(order.length, drainMs);
  for (let batch = 0; batch < batches; batch++) {
    const from = Math.floor((order.length * batch) / batches);
    const to = Math.floor((order.length * (batch + 1)) / batches);
    for (const item of order.slice(from, to)) close(item);
    if (batch < batches - 1) await new Promise((next) => setTimeout(next, intervalMs * (0.5 + random())));
  }
}

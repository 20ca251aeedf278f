/**
 * Calls kafkajs's `heartbeat()` every `everyMs` until stopped, so that long work on one message (an
 * engine load, retries while the database is down) does not get the consumer thrown out of its group.
 * Errors (a rebalance in progress) are ignored: the work goes on and its offset is committed, or not,
 * as usual. Returns the stop function.
 */
export function keepAlive(heartbeat: (() => Promise<void>) | undefined, everyMs = 3_000): () => void {
  if (!heartbeat) return () => undefined;
  const timer = setInterval(() => void heartbeat().catch(() => undefined), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

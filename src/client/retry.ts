// Retrying a request whose partition leader or group coordinator moved: the only errors worth a retry for a one-shot
// client, after a fresh look at the cluster. Anything else (no such topic, bad request) fails at once.
import { sleep } from './backoff.js';
import { KafkaError } from './errors.js';

const MOVED = new Set(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'REQUEST_TIMED_OUT']);

/** True for errors that mean "ask again, the cluster is changing": a leader or coordinator moved or is starting. */
export function isMoved(err: unknown): boolean {
  return err instanceof KafkaError && MOVED.has(err.type);
}

/** Runs `attempt` up to `attempts` times while it fails with a moved leader or coordinator; `refresh` runs between. */
export async function retryIfMoved<T>(attempt: () => Promise<T>, refresh: () => Promise<unknown>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isMoved(err) || i >= attempts) throw err;
      await sleep(Math.min(100 * 2 ** i, 2_000));
      await refresh().catch(() => undefined);
    }
  }
}

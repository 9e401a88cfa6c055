import { setTimeout as sleep } from 'node:timers/promises';

export interface AuthFailureDelayOptions {
  baseMs: number;
  maxMs: number;
  forgetMs: number;
  maxAddresses: number;
}

interface Penalty {
  failures: number;
  lastAt: number;
  /** Settles when the address's latest credential check (and its failure delay) is over. */
  queue: Promise<void>;
}

/**
 * Slows password guessing per client address. A failed credential check waits before it is answered, 200 ms doubling
 * per failure up to `maxMs`; and once an address has failed, its checks run one at a time, each after the previous
 * one's wait, so parallel connections guess no faster than one. A success is answered at once but does not reset
 * the count. An address is forgotten `forgetMs` after its last failure; at most `maxAddresses` are remembered, the
 * longest quiet dropped first. The waits are timers on those connections: nothing else waits.
 */
export class AuthFailureDelay {
  private readonly penalties = new Map<string, Penalty>();

  constructor(
    private readonly options: AuthFailureDelayOptions = { baseMs: 200, maxMs: 5_000, forgetMs: 10 * 60_000, maxAddresses: 10_000 },
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs one credential check for `address` under the rules above; resolves with its outcome once it may be answered.
   * A check whose connection has closed (`signal`) while it queued is dropped (`dropped()` is its outcome), so a
   * client that gave up holds no one else up; a check that ran keeps its failure wait whatever the connection does.
   */
  async check<T extends { ok: boolean }>(address: string, attempt: () => Promise<T>, signal?: AbortSignal, dropped?: () => T): Promise<T> {
    const o = this.options;
    let p: Penalty | undefined = this.penalties.get(address);
    if (p && this.now() - p.lastAt >= o.forgetMs) {
      this.penalties.delete(address);
      p = undefined;
    }
    let release = () => {};
    if (p) {
      const before = p.queue;
      p.queue = new Promise<void>((resolve) => (release = resolve));
      await before;
      if (signal?.aborted && dropped) {
        release();
        return dropped();
      }
    }
    try {
      const result = await attempt();
      if (!result.ok) {
        const entry = this.failed(address);
        // A first failure was not queued behind anything: later checks now queue behind its wait.
        if (!p) entry.queue = new Promise<void>((resolve) => (release = resolve));
        await this.wait(this.delayOf(entry));
      }
      return result;
    } finally {
      release();
    }
  }

  /** Records a failure. */
  private failed(address: string): Penalty {
    const o = this.options;
    const p = this.penalties.get(address) ?? { failures: 0, lastAt: 0, queue: Promise.resolve() };
    p.failures++;
    p.lastAt = this.now();
    this.penalties.delete(address); // re-inserted last: Map order is then longest quiet first
    this.penalties.set(address, p);
    while (this.penalties.size > o.maxAddresses) this.penalties.delete(this.penalties.keys().next().value!);
    return p;
  }

  /** How long the answer to an address's latest failure waits. */
  private delayOf(p: Penalty): number {
    return Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(p.failures - 1, 20));
  }

  remembered(): number {
    return this.penalties.size;
  }
}

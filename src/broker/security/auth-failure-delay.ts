/**
 * Slows password guessing per client address: each failed login from an address makes that address wait longer for
 * its answer (the connection then closes), doubling from `baseMs` up to `maxMs`, forgotten `forgetMs` after its last
 * failure. The wait is a timer on that connection only; nothing else waits. Bounded: at most `maxAddresses` remembered,
 * the longest quiet forgotten first.
 */
export class AuthFailureDelay {
  private readonly failures = new Map<string, { count: number; lastAt: number }>();

  constructor(
    private readonly options = { baseMs: 200, maxMs: 5_000, forgetMs: 10 * 60_000, maxAddresses: 10_000 },
  ) {}

  /** Records a failure from `address` and says how long its answer waits. */
  failed(address: string, now = Date.now()): number {
    const o = this.options;
    const prev = this.failures.get(address);
    const count = prev && now - prev.lastAt < o.forgetMs ? prev.count + 1 : 1;
    this.failures.delete(address); // re-inserted last: Map order is then oldest failure first
    this.failures.set(address, { count, lastAt: now });
    while (this.failures.size > o.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    return Math.min(o.maxMs, o.baseMs * 2 ** Math.min(count - 1, 20));
  }

  /** A success does not reset the count: one right password must not buy a guesser a fresh start. */
  remembered(): number {
    return this.failures.size;
  }
}

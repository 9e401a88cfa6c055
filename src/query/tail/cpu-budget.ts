import { performance } from 'node:perf_hooks';

/**
 * A token bucket of CPU time shared by every live tail of a server: tails may spend at most `msPerSecond` of the
 * event loop each second (in bursts up to `burstMs`), so however many clients follow however fast a topic, producing
 * into the broker keeps (almost) all of its speed. What tails cannot read in time they skip, and say so.
 */
export class CpuBudget {
  private tokens: number;
  private last = performance.now();

  constructor(
    readonly msPerSecond = 100,
    readonly burstMs = 50,
  ) {
    this.tokens = burstMs;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burstMs, this.tokens + ((now - this.last) * this.msPerSecond) / 1000);
    this.last = now;
  }

  /** Ms to wait before there is budget again (0: go on now). */
  waitMs(): number {
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.msPerSecond) + 1;
  }

  spend(ms: number): void {
    this.tokens -= ms;
  }
}

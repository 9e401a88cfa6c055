import { performance } from 'node:perf_hooks';

/** Above this share of all cores busy, the machine is saturated and tails get only SATURATED_SHARE of their budget. */
export const SATURATED = 0.85;
export const SATURATED_SHARE = 0.25;
/**
 * What sending one megabyte to tail clients costs beyond the measured JavaScript time, charged only while the machine
 * is saturated: the kernel copies it out (often after the measured send returned, as sockets drain) and clients on the
 * same machine read it. Measured with bench/tails-produce.js on the two-core VM: about 2.5 ms of CPU per MB.
 */
export const MS_PER_MB_SENT = 2.5;

/**
 * A token bucket of CPU time shared by every live tail of a server: tails may spend at most `msPerSecond` of the
 * event loop each second (in bursts up to `burstMs`), a quarter of that while the machine is saturated, so however
 * many clients follow however fast a topic, producing into the broker keeps (almost) all of its speed. On a two-core
 * workstation the tails' real cost is larger than the JavaScript time measured here (the kernel copies every byte to
 * each client, and clients on the same machine read it): when producers saturate the machine, that is what they lose. What tails cannot read in time they skip, and say so.
 */
export class CpuBudget {
  private tokens: number;
  private last = performance.now();

  constructor(
    readonly msPerSecond = 100,
    readonly burstMs = 50,
    /** Share (0–1) of the machine's cores busy lately (MachineLoad.busy); none: never saturated. */
    private readonly machineBusy: () => number = () => 0,
  ) {
    this.tokens = burstMs;
  }

  /** Tokens per second now: the full share, or a quarter of it while the machine is saturated. */
  rate(): number {
    return this.machineBusy() >= SATURATED ? this.msPerSecond * SATURATED_SHARE : this.msPerSecond;
  }

  private refill(): number {
    const now = performance.now();
    const rate = this.rate();
    this.tokens = Math.min(this.burstMs, this.tokens + ((now - this.last) * rate) / 1000);
    this.last = now;
    return rate;
  }

  /** Ms to wait before there is budget again (0: go on now). */
  waitMs(): number {
    const rate = this.refill();
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens * 1000) / rate) + 1;
  }

  spend(ms: number): void {
    this.tokens -= ms;
  }

  /** Charge the CPU that `bytes` sent to clients cost outside our measurement, while the machine is saturated. */
  spendBytes(bytes: number): void {
    if (this.machineBusy() >= SATURATED) this.tokens -= (bytes / 1e6) * MS_PER_MB_SENT;
  }
}

import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** Length of one measuring window: the overview shows the last complete one. */
const WINDOW_MS = 5000;


export interface EventLoopWindow {
  /** How late timers ran (ms): what any request waited before the process could look at it. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Share (0–1) of the window the event loop was busy. */
  utilization: number;
  windowMs: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The health of the process's event loop over the last few seconds: how late it ran timers and how busy it was. One
 * event loop serves the Kafka listener, the API and the tails; when a consumer of CPU on it (live tails, a search)
 * delays produce answers, this is where it shows (the overview, and benchmarks that read it).
 */
export class EventLoopHealth {
  private histogram: IntervalHistogram | null = null;
  private elu: EventLoopUtilization | null = null;
  private timer: NodeJS.Timeout | null = null;
  private last: EventLoopWindow = { delayP50Ms: 0, delayP99Ms: 0, delayMaxMs: 0, utilization: 0, windowMs: 0 };
  private startedAt = 0;

  constructor(private readonly windowMs = WINDOW_MS) {}

  start(): void {
    if (this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.elu = performance.eventLoopUtilization();
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.rotate(), this.windowMs);
    this.timer.unref();
  }

  private rotate(): void {
    const h = this.histogram;
    if (!h || !this.elu) return;
    const now = performance.now();
    const elu = performance.eventLoopUtilization(this.elu);
    const ms = (ns: number) => round(ns / 1e6);
    this.last = {
      delayP50Ms: h.count ? ms(h.percentile(50)) : 0,
      delayP99Ms: h.count ? ms(h.percentile(99)) : 0,
      delayMaxMs: h.count ? ms(h.max) : 0,
      utilization: round(elu.utilization),
      windowMs: Math.round(now - this.startedAt),
    };
    h.reset();
    this.elu = performance.eventLoopUtilization();
    this.startedAt = now;
  }

  /** The last complete window (zeros before the first one ends). */
  snapshot(): EventLoopWindow {
    return this.last;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.histogram = null;
    this.timer = null;
  }
}

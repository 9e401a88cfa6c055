import type { Logger } from '../common/logger.js';
import type { Webhook } from './config.js';
import type { AlertNotification } from './notification.js';

export interface WebhookOptions {
  /** Deliveries waiting (all webhooks together) at most; beyond, the oldest is dropped and counted. */
  maxQueue?: number;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** Wait before the first retry; doubled each time (with up to 25 % jitter), at most maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
}

export interface WebhookStats {
  delivered: number;
  retries: number;
  /** Given up after maxAttempts, or refused with a 4xx other than 408/429. */
  failed: number;
  /** Dropped because the queue was full. */
  dropped: number;
  queued: number;
  lastError: string | null;
}

interface Delivery {
  hook: Webhook;
  body: string;
  attempt: number;
  notBefore: number;
}

/**
 * POSTs notifications as JSON to the configured webhooks, in the background: a bounded queue, a few in flight, and a
 * failed delivery (network error, timeout, 5xx, 408, 429) retried with exponential backoff. Only URLs from the config
 * file or the API are called: the notification never names where it goes.
 */
export class WebhookSender {
  readonly stats: WebhookStats = { delivered: 0, retries: 0, failed: 0, dropped: 0, queued: 0, lastError: null };
  private readonly queue: Delivery[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly o: Required<WebhookOptions>;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly log: Logger,
    opts: WebhookOptions = {},
  ) {
    this.o = { maxQueue: 1000, maxAttempts: 6, backoffMs: 1000, maxBackoffMs: 60_000, timeoutMs: 10_000, concurrency: 4, ...opts };
  }

  send(hooks: readonly Webhook[], n: AlertNotification): void {
    if (this.closed || hooks.length === 0) return;
    const body = JSON.stringify(n);
    for (const hook of hooks) {
      if (this.queue.length >= this.o.maxQueue) {
        this.queue.shift();
        this.stats.dropped++;
      }
      this.queue.push({ hook, body, attempt: 0, notBefore: 0 });
    }
    this.pump();
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    this.settle();
  }

  private settle(): void {
    this.stats.queued = this.queue.length;
    if (this.queue.length === 0 && this.inFlight === 0) {
      for (const f of this.idle) f();
      this.idle.clear();
    }
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const now = Date.now();
    while (!this.closed && this.inFlight < this.o.concurrency) {
      const i = this.queue.findIndex((d) => d.notBefore <= now);
      if (i < 0) break;
      const [d] = this.queue.splice(i, 1);
      this.inFlight++;
      void this.deliver(d!).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.settle();
    if (!this.closed && this.queue.length > 0 && this.inFlight < this.o.concurrency) {
      const wait = Math.max(0, Math.min(...this.queue.map((d) => d.notBefore)) - now);
      this.timer = setTimeout(() => this.pump(), wait);
      this.timer.unref?.();
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    d.attempt++;
    let retry: boolean;
    let why: string;
    try {
      const res = await fetch(d.hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'tributary-alerts', ...d.hook.headers },
        body: d.body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.stats.delivered++;
        return;
      }
      retry = res.status >= 500 || res.status === 408 || res.status === 429;
      why = `HTTP ${res.status}`;
    } catch (e) {
      retry = true;
      why = (e as Error).message;
    }
    this.stats.lastError = `${d.hook.url}: ${why}`;
    if (this.closed) return;
    if (!retry || d.attempt >= this.o.maxAttempts) {
      this.stats.failed++;
      this.log.warn(`alert webhook ${d.hook.url} failed (${why}) after ${d.attempt} attempt(s); giving up on this notification`);
      return;
    }
    this.stats.retries++;
    const base = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (d.attempt - 1));
    d.notBefore = Date.now() + base + Math.floor(Math.random() * base * 0.25);
    if (this.queue.length >= this.o.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(d);
  }
}

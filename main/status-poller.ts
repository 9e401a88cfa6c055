/**
 * Main's own view of the running core, read from its HTTP API with the token (main is trusted; the page never sees
 * the token): the ingest rate for the tray every 2 s, the sources every 10 s and the error count of each past minute
 * for the notification rules (main/alerts.ts). A request that fails (core restarting, 429 under load) is skipped.
 */
import type { CoreReady } from '../src/app/desktop-protocol.js';
import { ErrorSpikes, SilentSources, type Alert, type SourceRow } from './alerts.js';

export interface LiveStatus {
  recordsPerSec: number;
  bytesPerSec: number;
  /** Kafka clients connected now. */
  clients: number;
}

export interface PollerOptions {
  onStatus: (s: LiveStatus) => void;
  onAlert: (a: Alert) => void;
  fetch?: typeof fetch;
  now?: () => number;
  tickMs?: number;
}

const SOURCES_EVERY = 5; // ticks
const REQUEST_TIMEOUT_MS = 5000;

export class StatusPoller {
  private target: CoreReady | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private busy = false;
  private lastMinuteChecked: number | null = null;
  private silent = new SilentSources();
  private spikes = new ErrorSpikes();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly o: PollerOptions) {
    this.fetch = o.fetch ?? fetch;
    this.now = o.now ?? Date.now;
  }

  /** The core to poll (a new one after a restart: the rules start over), or null while there is none. */
  setTarget(ready: CoreReady | null): void {
    this.target = ready;
    this.ticks = 0;
    this.lastMinuteChecked = null;
    this.silent = new SilentSources();
    this.spikes = new ErrorSpikes();
    if (ready && !this.timer) {
      this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 2000);
      this.timer.unref();
    } else if (!ready && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One round of requests (the interval calls it; tests call it directly). */
  async tick(): Promise<void> {
    const target = this.target;
    if (!target || this.busy) return;
    this.busy = true;
    try {
      const overview = await this.get<{ rates: { recordsInPerSec: number; bytesInPerSec: number }; clients: { connected: number } }>(target, '/api/v1/overview');
      if (overview && this.target === target) {
        this.o.onStatus({ recordsPerSec: overview.rates.recordsInPerSec, bytesPerSec: overview.rates.bytesInPerSec, clients: overview.clients.connected });
      }
      if (this.ticks++ % SOURCES_EVERY === 0) {
        const sources = await this.get<{ sources: SourceRow[] }>(target, '/api/v1/sources');
        if (sources && this.target === target) for (const a of this.silent.update(sources.sources, this.now())) this.o.onAlert(a);
      }
      await this.checkErrors(target);
    } finally {
      this.busy = false;
    }
  }

  /** Once per minute: the errors of the minute that just ended. The first minute only sets where counting starts. */
  private async checkErrors(target: CoreReady): Promise<void> {
    const minute = Math.floor(this.now() / 60_000) * 60_000 - 60_000;
    if (this.lastMinuteChecked === null) {
      this.lastMinuteChecked = minute;
      return;
    }
    if (minute <= this.lastMinuteChecked) return;
    this.lastMinuteChecked = minute;
    const q = new URLSearchParams({ q: 'level>=error', from: String(minute), to: String(minute + 60_000), step: '60000' });
    const h = await this.get<{ total: number }>(target, `/api/v1/search/histogram?${q}`);
    if (!h || this.target !== target) return;
    const alert = this.spikes.update(minute, h.total);
    if (alert) this.o.onAlert(alert);
  }

  private async get<T>(target: CoreReady, path: string): Promise<T | null> {
    try {
      const res = await this.fetch(`${target.origin}${path}`, {
        headers: { authorization: `Bearer ${target.token}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!res.ok) return null;
      return (await res.json()) as T;
    } catch {
      return null;
    }
  }
}

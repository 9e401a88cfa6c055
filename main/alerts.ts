/**
 * When the shell raises a desktop notification. Two rules, deliberately simple so a user can predict them:
 *
 * - **A source went silent**: a source (an agent by name, otherwise a client id from a host) that kept producing for
 *   at least a minute sends nothing for two minutes. One notification, then none for that source until it has sent
 *   again. Short-lived producers (a `kcat -P` that sends a file and exits) never produce for a minute, so they never
 *   count as silent.
 * - **Errors spike**: the records at level error or fatal (as `level>=error` sees them, docs/query.md) written in the
 *   last whole minute are at least 20 and at least three times the average of the minutes before (up to ten of them,
 *   zero when there are none). At most one such notification every ten minutes.
 */

export interface Alert {
  title: string;
  body: string;
}

/** The fields of `/api/v1/sources` items the rule reads. */
export interface SourceRow {
  clientId: string | null;
  address: string;
  agent: string | null;
  host: string | null;
  recordsProduced: number;
}

/** One name per producer across reconnections: agents by name, other clients by client id and host. */
export function sourceName(s: SourceRow): string {
  return s.agent ? `agent ${s.agent}` : `${s.clientId || 'a client'} on ${s.host ?? s.address}`;
}

interface SourceTrack {
  produced: number;
  firstActive: number | null;
  lastActive: number | null;
  alerted: boolean;
}

export class SilentSources {
  private readonly tracks = new Map<string, SourceTrack>();

  constructor(
    private readonly activeForMs = 60_000,
    private readonly silentAfterMs = 120_000,
  ) {}

  /** Feed the sources list at `now`; returns the notifications to show. */
  update(sources: readonly SourceRow[], now: number): Alert[] {
    const produced = new Map<string, number>();
    for (const s of sources) produced.set(sourceName(s), (produced.get(sourceName(s)) ?? 0) + s.recordsProduced);
    for (const name of this.tracks.keys()) if (!produced.has(name)) this.tracks.delete(name);
    const alerts: Alert[] = [];
    for (const [name, n] of produced) {
      const t = this.tracks.get(name);
      if (!t) {
        this.tracks.set(name, { produced: n, firstActive: n > 0 ? now : null, lastActive: n > 0 ? now : null, alerted: false });
        continue;
      }
      if (n > t.produced) {
        // A source back from silence starts a new stretch of activity.
        if (t.lastActive === null || now - t.lastActive >= this.silentAfterMs) t.firstActive = now;
        t.lastActive = now;
        t.alerted = false;
      }
      t.produced = n; // also when it fell: a closed connection of this source aged out of the list
      if (t.alerted || t.lastActive === null || t.firstActive === null) continue;
      if (t.lastActive - t.firstActive >= this.activeForMs && now - t.lastActive >= this.silentAfterMs) {
        t.alerted = true;
        alerts.push({ title: 'A source went silent', body: `${name} has sent nothing for ${Math.round((now - t.lastActive) / 60_000)} min` });
      }
    }
    return alerts;
  }
}

export class ErrorSpikes {
  private readonly minutes = new Map<number, number>();
  private lastAlertAt = -Infinity;

  constructor(
    private readonly minErrors = 20,
    private readonly factor = 3,
    private readonly baselineMinutes = 10,
    private readonly quietMs = 10 * 60_000,
  ) {}

  /** Feed the error count of the minute starting at `minuteStart` (epoch ms, whole minutes); returns a notification or null. */
  update(minuteStart: number, errors: number): Alert | null {
    const before: number[] = [];
    for (let i = 1; i <= this.baselineMinutes; i++) {
      const n = this.minutes.get(minuteStart - i * 60_000);
      if (n !== undefined) before.push(n);
    }
    this.minutes.set(minuteStart, errors);
    for (const m of this.minutes.keys()) if (m <= minuteStart - this.baselineMinutes * 60_000) this.minutes.delete(m);
    const baseline = before.length ? before.reduce((a, b) => a + b, 0) / before.length : 0;
    if (errors < this.minErrors || errors < this.factor * baseline || minuteStart - this.lastAlertAt < this.quietMs) return null;
    this.lastAlertAt = minuteStart;
    const was = before.length ? ` (about ${Math.round(baseline)} a minute before)` : '';
    return { title: 'Errors spiked', body: `${errors} error records in the last minute${was}` };
  }
}

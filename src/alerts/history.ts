import type { RuleKind } from './rule.js';
import type { AlertState, Sample } from './state-machine.js';

/** One change of state of one alert, with the records or points that fired it (on the way to firing). */
export interface HistoryEntry {
  id: number;
  at: number;
  rule: { id: string; name: string; kind: RuleKind };
  key: string;
  labels: Record<string, string>;
  from: AlertState;
  to: AlertState;
  value: number | null;
  samples: Sample[];
}

/** The latest transitions, oldest dropped beyond `limit`; ids rise across restarts (the newest is restored). */
export class AlertHistory {
  private entries: HistoryEntry[] = [];
  private nextId = 1;

  constructor(private readonly limit: number) {}

  add(e: Omit<HistoryEntry, 'id'>): void {
    this.entries.push({ id: this.nextId++, ...e });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  load(entries: HistoryEntry[]): void {
    this.entries = entries.filter((e) => e && typeof e.id === 'number').slice(-this.limit);
    this.nextId = (this.entries.at(-1)?.id ?? 0) + 1;
  }

  all(): HistoryEntry[] {
    return this.entries;
  }

  /** Newest first; `before`: only ids below it (paging). */
  list(opts: { rule?: string; limit?: number; before?: number }): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    const limit = opts.limit ?? 100;
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (opts.rule !== undefined && e.rule.id !== opts.rule) continue;
      if (opts.before !== undefined && e.id >= opts.before) continue;
      out.push(e);
    }
    return out;
  }
}

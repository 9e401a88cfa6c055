import type { ClientInfo } from '../../broker/client-info.js';
import type { DirectSender } from '../../ingest/index.js';
import type { SourceSilentRule } from '../rule.js';
import type { Observation } from '../state-machine.js';
import type { Evaluator } from './evaluator.js';

/** client.id of Tributary's agent (`tributary-agent-<name>`), as /api/v1/sources reads it. */
const AGENT_CLIENT_ID = /^tributary-agent-(.+)$/;
/** Sources remembered per rule at most; the longest silent (not expected by name) are forgotten first. */
const MAX_SOURCES = 1000;
/** A source silent this long (and not named by the rule) is forgotten. */
const FORGET_AFTER_MS = 7 * 86_400_000;

/** A source's name under the rule's key, or null when the client has none (a client without an agent header). */
export function sourceKey(c: ClientInfo, by: SourceSilentRule['by']): string | null {
  switch (by) {
    case 'agent':
      return c.sourceAgent ?? AGENT_CLIENT_ID.exec(c.clientId ?? '')?.[1] ?? null;
    case 'host':
      return c.sourceHost;
    case 'client':
      return c.clientId ? `${c.clientId}` : null;
  }
}

/**
 * A direct-ingest sender's name under the rule's key: `host` its syslog HOSTNAME or HTTP `?host=` (else its address),
 * `agent` the agent header its records carry, `client` `syslog:<host>` or `http:<host>` (it has no Kafka client.id).
 */
export function senderKey(s: DirectSender, by: SourceSilentRule['by']): string | null {
  switch (by) {
    case 'agent':
      return s.agent;
    case 'host':
      return s.host;
    case 'client':
      return s.host === null ? null : `${s.via}:${s.host}`;
  }
}

interface Track {
  /** When records from it were last seen (epoch ms). */
  lastRecordAt: number;
  /** Records produced by its connections in the list at the previous evaluation (not persisted). */
  produced: number;
}

/**
 * No records from a source for `silentFor`. The broker counts the records each connection produces (the sources
 * list), direct ingest those of each syslog and HTTP sender; a source's records are the sum over its connections and
 * senders, and a rise since the previous evaluation means it sent
 * something. When a source is first seen its latest request counts as its last record. The time of the last record
 * survives a restart (snapshot), so a source that does not come back after one stays silent; sources the rule names
 * are watched from the start even if never seen.
 */
export class SourceSilentEvaluator implements Evaluator {
  private readonly tracks = new Map<string, Track>();

  constructor(
    private readonly rule: SourceSilentRule,
    private readonly silentForMs: number,
    private readonly clients: () => ClientInfo[],
    startedAt: number,
    private readonly senders: () => DirectSender[] = () => [],
  ) {
    for (const name of rule.sources ?? []) this.tracks.set(name, { lastRecordAt: startedAt, produced: 0 });
  }

  async evaluate(now: number): Promise<Observation[]> {
    const produced = new Map<string, { n: number; lastSeen: number }>();
    for (const c of this.clients()) {
      if (c.producedRecords === 0) continue;
      const name = sourceKey(c, this.rule.by);
      if (name === null) continue;
      const p = produced.get(name);
      if (p) {
        p.n += c.producedRecords;
        p.lastSeen = Math.max(p.lastSeen, c.lastSeenAt);
      } else produced.set(name, { n: c.producedRecords, lastSeen: c.lastSeenAt });
    }
    // Syslog and HTTP senders count like clients: their records since start, summed under the same name.
    for (const s of this.senders()) {
      if (s.records === 0) continue;
      const name = senderKey(s, this.rule.by);
      if (name === null) continue;
      const p = produced.get(name);
      if (p) {
        p.n += s.records;
        p.lastSeen = Math.max(p.lastSeen, s.lastSeenAt);
      } else produced.set(name, { n: s.records, lastSeen: s.lastSeenAt });
    }
    const wanted = this.rule.sources ? new Set(this.rule.sources) : null;
    for (const [name, p] of produced) {
      if (wanted && !wanted.has(name)) continue;
      const t = this.tracks.get(name);
      if (!t) this.tracks.set(name, { lastRecordAt: Math.min(now, p.lastSeen), produced: p.n });
      else {
        if (p.n > t.produced) t.lastRecordAt = now;
        t.produced = p.n; // also when it fell: a closed connection aged out of the list
      }
    }
    for (const [name, t] of this.tracks) {
      if (!produced.has(name)) t.produced = 0;
      if (!wanted?.has(name) && now - t.lastRecordAt > Math.max(FORGET_AFTER_MS, this.silentForMs * 2)) this.tracks.delete(name);
    }
    if (this.tracks.size > MAX_SOURCES) {
      const oldest = [...this.tracks].filter(([n]) => !wanted?.has(n)).sort((a, b) => a[1].lastRecordAt - b[1].lastRecordAt);
      for (const [n] of oldest.slice(0, this.tracks.size - MAX_SOURCES)) this.tracks.delete(n);
    }
    return [...this.tracks].map(([name, t]) => {
      const silentMs = Math.max(0, now - t.lastRecordAt);
      return {
        key: name,
        labels: { [this.rule.by]: name },
        active: silentMs >= this.silentForMs,
        value: Math.round(silentMs / 1000),
        samples: [{ kind: 'note' as const, text: `last record at ${new Date(t.lastRecordAt).toISOString()}` }],
      };
    });
  }

  snapshot(): unknown {
    return Object.fromEntries([...this.tracks].map(([n, t]) => [n, t.lastRecordAt]));
  }

  restore(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    for (const [name, at] of Object.entries(data as Record<string, unknown>)) {
      if (typeof at !== 'number') continue;
      if (this.rule.sources && !this.rule.sources.includes(name)) continue;
      this.tracks.set(name, { lastRecordAt: at, produced: 0 });
    }
  }
}

import type { AgentRecord, RecordSink } from '../collect/record.js';

/** Which direct-ingest listener a sender's records came through. */
export type SenderVia = 'syslog' | 'http';

/**
 * One sender of direct ingest as its records name it: syslog's HOSTNAME (else its address), HTTP ingest's `?host=`
 * (else its address), and the `agent` header when the records carry one. Kafka producers are the broker's clients
 * (broker/client-info.ts); these write through the in-process producer and would otherwise be seen by no one.
 */
export interface DirectSender {
  via: SenderVia;
  host: string | null;
  agent: string | null;
  /** Records received from it since the broker started. */
  records: number;
  /** When its latest records arrived (epoch ms). */
  lastSeenAt: number;
}

/** Senders remembered at most; beyond it the longest silent are forgotten (a spoofed-hostname flood stays bounded). */
export const MAX_SENDERS = 10_000;

/**
 * Records received per direct-ingest sender, for the source-silent alert rules. Counted as records are handed to the
 * log (one map lookup per run of records from the same sender, not per record).
 */
export class SenderTally {
  private readonly senders = new Map<string, DirectSender>();

  constructor(private readonly now: () => number = Date.now) {}

  count(via: SenderVia, records: readonly AgentRecord[]): void {
    const now = this.now();
    let current: DirectSender | null = null;
    for (const r of records) {
      const host = r.headers.host ?? null;
      const agent = r.headers.agent ?? null;
      if (!current || current.host !== host || current.agent !== agent) current = this.sender(via, host, agent, now);
      current.records++;
    }
  }

  list(): DirectSender[] {
    return [...this.senders.values()].map((s) => ({ ...s }));
  }

  private sender(via: SenderVia, host: string | null, agent: string | null, now: number): DirectSender {
    const key = `${via}\u0000${host ?? ''}\u0000${agent ?? ''}`;
    let s = this.senders.get(key);
    if (!s) {
      if (this.senders.size >= MAX_SENDERS) this.forgetOldest();
      this.senders.set(key, (s = { via, host, agent, records: 0, lastSeenAt: now }));
    }
    s.lastSeenAt = now;
    return s;
  }

  /** Drops the tenth longest silent at once, so a flood of new names costs one sort per thousand senders. */
  private forgetOldest(): void {
    const byAge = [...this.senders].sort((a, b) => a[1].lastSeenAt - b[1].lastSeenAt);
    for (const [k] of byAge.slice(0, Math.ceil(MAX_SENDERS / 10))) this.senders.delete(k);
  }
}

/** `sink`, with every record handed to it counted per sender under `via`. */
export function talliedSink(sink: RecordSink, via: SenderVia, tally: SenderTally): RecordSink {
  return {
    write(topic, records) {
      tally.count(via, records);
      return sink.write(topic, records);
    },
    get saturated() {
      return sink.saturated;
    },
    on(event, listener) {
      return sink.on(event, listener);
    },
    close: () => sink.close(),
  };
}

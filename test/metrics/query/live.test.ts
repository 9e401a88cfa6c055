// A live metrics query: updates only after appends, the trailing buckets recomputed on the first answer's tier and
// step, and a congested client gets nothing until it drains, then one update reaching back to the last it got.
import { describe, expect, it } from 'vitest';
import { MetricsLive, MetricsQueryError } from '../../../src/metrics/query/index.js';
import { MemoryMetrics } from '../../helpers/memory-metrics.js';

describe('MetricsLive', () => {
  it('sends the answer, then updates of the changed trailing buckets; waits while the client is congested', () => {
    const m = new MemoryMetrics();
    let now = 1_700_000_000_000;
    const id = m.add('c', 'v', { h: 'a' }, [[now - 30_000, 1]]);
    const sent: any[] = [];
    let buffered = 0;
    const live = new MetricsLive(m, { send: (t) => sent.push(JSON.parse(t)), get bufferedAmount() { return buffered; } }, { tickMs: 3_600_000, now: () => now });
    live.start({ measurement: 'c', field: 'v', agg: 'sum', step: '10s', from: '5m' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'answer', stats: { tier: 'raw', step: 10_000 } });
    expect(sent[0].timestamps).toHaveLength(30); // [now − 5 min, now): now itself starts the next bucket
    live.tick();
    expect(sent).toHaveLength(1); // nothing appended: nothing sent
    now += 1000;
    m.append(id, [[now - 500, 5]]);
    live.tick();
    expect(sent).toHaveLength(2);
    const u = sent[1];
    expect(u.type).toBe('update');
    // From 60 s (the lateness allowed) before the previous answer, through now.
    expect(u.timestamps[0]).toBe(1_700_000_000_000 - 60_000);
    expect(u.timestamps.at(-1)).toBe(1_700_000_000_000);
    expect(u.series[0].values.at(-1)).toBe(5);
    expect(u.series[0].values[u.timestamps.indexOf(now - 31_000 - (now - 31_000) % 10_000)]).toBe(1);
    // Congested: no update; once drained, one update reaching back past the last one sent.
    buffered = 10 * 1024 * 1024;
    now += 120_000;
    m.append(id, [[now - 100, 7]]);
    live.tick();
    expect(sent).toHaveLength(2);
    buffered = 0;
    now += 1000;
    live.tick();
    expect(sent).toHaveLength(3);
    expect(sent[2].timestamps[0]).toBeLessThanOrEqual(1_700_000_001_000 - 60_000);
    expect(sent[2].series[0].values.filter((v: number | null) => v !== null)).toEqual([1, 5, 7]);
    live.close();
    m.append(id, [[now, 1]]);
    live.tick();
    expect(sent).toHaveLength(3);
  });

  it('refuses `to` (a live query follows the clock) and bad parameters', () => {
    const m = new MemoryMetrics();
    m.add('c', 'v', {}, []);
    const sink = { send: () => {}, bufferedAmount: 0 };
    expect(() => new MetricsLive(m, sink).start({ measurement: 'c', field: 'v', to: '1m' })).toThrow(/^to: /);
    expect(() => new MetricsLive(m, sink).start({ measurement: 'c', field: 'v', agg: 'x' })).toThrow(MetricsQueryError);
  });
});

// Rates are differences of the broker's running totals between samples, per second, over the last few samples.
import { describe, expect, it } from 'vitest';
import { RateSampler } from '../../src/server/index.js';

function fakeServices() {
  const state = { traffic: { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 }, end: 0, size: 0, clientRecords: 0, clients: [1] };
  const services = {
    traffic: () => state.traffic,
    logs: { stats: () => [{ name: 't', size: state.size, partitions: [{ partition: 0, logStartOffset: 0, logEndOffset: state.end, size: state.size, segments: 1 }] }] },
    clients: () => state.clients.map((id) => ({ id, producedRecords: state.clientRecords })),
  };
  return { state, sampler: new RateSampler(services as unknown as ConstructorParameters<typeof RateSampler>[0]) };
}

describe('RateSampler', () => {
  it('answers per-second rates over its window, per topic and per client, and 0 before two samples', () => {
    const { state, sampler } = fakeServices();
    sampler.sample(0);
    expect(sampler.overall().recordsInPerSec).toBe(0);
    for (let s = 1; s <= 3; s++) {
      state.traffic = { recordsIn: 100 * s, bytesIn: 1000 * s, recordsOut: 50 * s, bytesOut: 500 * s };
      state.end = 100 * s;
      state.size = 1000 * s;
      state.clientRecords = 40 * s;
      sampler.sample(s * 1000);
    }
    expect(sampler.overall()).toEqual({ recordsInPerSec: 100, bytesInPerSec: 1000, recordsOutPerSec: 50, bytesOutPerSec: 500 });
    expect(sampler.topic('t')).toEqual({ recordsInPerSec: 100, bytesInPerSec: 1000 });
    expect(sampler.topic('gone')).toEqual({ recordsInPerSec: 0, bytesInPerSec: 0 });
    expect(sampler.client(1)).toBe(40);
    expect(sampler.client(2)).toBe(0);
    // Only the last few seconds count: after a quiet stretch the rate falls to 0.
    for (let s = 4; s <= 10; s++) sampler.sample(s * 1000);
    expect(sampler.overall().recordsInPerSec).toBe(0);
  });
});

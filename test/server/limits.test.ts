// A busy server answers 429 with Retry-After instead of taking on more expensive reads, and keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../src/server/index.js';
import { startApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
  await t.call('/api/v1/topics', 201, { method: 'POST', json: { name: 'busy', partitions: 4 } });
  const producer = t.app.api!.context.services.producer;
  for (let i = 0; i < 4000; i++) await producer.produce('busy', { key: null, value: `record ${i} ${'z'.repeat(200)}`, timestamp: Date.now(), headers: {} }, i % 4);
});
afterAll(async () => {
  await t?.stop();
});

describe('concurrency limit', () => {
  it('answers 429 with Retry-After while every read slot is taken, and serves again once one is free', async () => {
    const limiter = t.app.api!.context.readLimiter;
    const held: (() => void)[] = [];
    for (let r = limiter.tryAcquire(); r; r = limiter.tryAcquire()) held.push(r);
    expect(held).toHaveLength(limiter.max);
    try {
      const res = await t.api('/api/v1/topics/busy/messages');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/busy with \d+ expensive reads .* retry in 1 s/) });
      // Cheap endpoints are not limited.
      expect((await t.api('/api/v1/topics')).status).toBe(200);
    } finally {
      for (const release of held) release();
    }
    expect((await t.api('/api/v1/topics/busy/messages')).status).toBe(200);
    expect(limiter.active).toBe(0);
  });

  it('under a burst of large pages, answers each 200 or 429 and stays up', async () => {
    const limiter = t.app.api!.context.readLimiter;
    const statuses = await Promise.all(Array.from({ length: 40 }, () => t.api('/api/v1/topics/busy/messages?seek=oldest&limit=1000').then(async (r) => (await r.arrayBuffer(), r.status))));
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(limiter.active).toBe(0);
    expect((await t.api('/api/v1/overview')).status).toBe(200);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/at least 1/);
  });
});

// The event loop's health as the overview reports it: a loop held busy shows as delay and utilization.
import { afterAll, describe, expect, it } from 'vitest';
import { EventLoopHealth } from '../../src/server/event-loop-health.js';
import { startApp, type TestApp } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // hold the event loop, as a long synchronous task would
  }
}

describe('event loop health', () => {
  let t: TestApp | undefined;
  afterAll(async () => t?.stop());

  it('reports a loop held busy for 300 ms as a delay of about that much and a busy share', async () => {
    const h = new EventLoopHealth(500);
    h.start();
    try {
      await sleep(50);
      busy(300);
      let maxDelay = 0;
      let maxUtil = 0;
      for (let i = 0; i < 15; i++) {
        await sleep(100);
        maxDelay = Math.max(maxDelay, h.snapshot().delayMaxMs);
        maxUtil = Math.max(maxUtil, h.snapshot().utilization);
      }
      expect(maxDelay).toBeGreaterThanOrEqual(250);
      expect(maxUtil).toBeGreaterThanOrEqual(0.25);
      // An idle window after it: the delay falls back (timers run on time again, within the machine's noise).
      await sleep(1100);
      expect(h.snapshot().delayMaxMs).toBeLessThan(250);
    } finally {
      h.stop();
    }
  });

  it('is part of the overview', async () => {
    t = await startApp();
    const o = await t.call('/api/v1/overview', 200);
    expect(Object.keys(o.eventLoop).sort()).toEqual(['delayMaxMs', 'delayP50Ms', 'delayP99Ms', 'utilization', 'windowMs']);
  });
});

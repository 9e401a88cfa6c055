// main/core-supervisor.ts with a fake utility process and a hand-driven clock: restart on crash with growing delays,
// the reason surfaced from the best source available, giving up on repeated failed starts, retry, clean stop.
import { describe, expect, it } from 'vitest';
import { CoreSupervisor, type CoreState } from '../../main/core-supervisor.js';
import { FakeUtilityProcess } from './electron-fake.js';

const READY = { type: 'ready', uiUrl: 'http://127.0.0.1:41234/?token=t0k', origin: 'http://127.0.0.1:41234', token: 't0k', kafka: '127.0.0.1:9092', dataDir: '/d' };

function harness(opts: { maxStartFailures?: number } = {}) {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const children: FakeUtilityProcess[] = [];
  const states: CoreState[] = [];
  const sup = new CoreSupervisor({
    fork: () => {
      const c = new FakeUtilityProcess();
      children.push(c);
      return c as never;
    },
    onState: (s) => states.push(s),
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    maxStartFailures: opts.maxStartFailures ?? 3,
    startTimeoutMs: 120_000,
  });
  /** Moves the clock forward, firing due timers in order. */
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = until;
  };
  const child = () => children[children.length - 1]!;
  return { sup, states, children, child, advance, last: () => states[states.length - 1]!, pendingTimers: () => timers.length };
}

describe('CoreSupervisor', () => {
  it('reports running with where the UI is once the core says it is ready', () => {
    const h = harness();
    h.sup.start();
    expect(h.last()).toEqual({ kind: 'starting' });
    h.child().emit('message', READY);
    expect(h.last()).toEqual({ kind: 'running', ready: READY });
  });

  it('ignores a ready message naming a server that is not on loopback, or whose URL and origin disagree', () => {
    const h = harness();
    h.sup.start();
    h.child().emit('message', { ...READY, uiUrl: 'http://evil.example:80/?token=x', origin: 'http://evil.example' });
    h.child().emit('message', { ...READY, origin: 'http://127.0.0.1:1' });
    h.child().emit('message', 'ready');
    expect(h.last()).toEqual({ kind: 'starting' });
  });

  it('restarts a crashed core after growing delays, with the reason each time', () => {
    const h = harness();
    h.sup.start();
    h.child().emit('message', READY);
    h.child().emit('error', 'FatalError', 'v8::ToLocalChecked Empty MaybeLocal', 'report');
    h.child().emit('exit', 134);
    expect(h.last()).toEqual({ kind: 'restarting', reason: 'it crashed (FatalError at v8::ToLocalChecked Empty MaybeLocal) (exit code 134)', inMs: 1000 });
    h.advance(999);
    expect(h.children).toHaveLength(1);
    h.advance(1);
    expect(h.children).toHaveLength(2);
    h.child().emit('message', READY);
    h.child().emit('exit', 1);
    expect(h.last()).toMatchObject({ kind: 'restarting', inMs: 2000, reason: 'it stopped unexpectedly (exit code 1)' });
    h.advance(2000);
    h.child().emit('message', READY);
    h.child().emit('exit', 1);
    expect(h.last()).toMatchObject({ kind: 'restarting', inMs: 5000 });
  });

  it("takes the reason from the core's fatal message, else from its last ERROR log line", () => {
    const h = harness();
    h.sup.start();
    h.child().emit('message', READY);
    h.child().emit('message', { type: 'fatal', message: 'uncaught error in the core: EACCES: permission denied, open /d/x.log' });
    h.child().emit('exit', 70);
    expect(h.last()).toMatchObject({ reason: 'uncaught error in the core: EACCES: permission denied, open /d/x.log (exit code 70)' });
    h.advance(1000);
    h.child().emit('message', READY);
    h.child().stderr.write('2026-12-02T10:00:00.000Z INFO  data directory /d\n2026-12-02T10:00:01.000Z ERROR disk full: no sp');
    h.child().stderr.write('ace left on device\n'); // a line split across two chunks
    h.child().stderr.write('2026-12-02T10:00:01.500Z INFO  something after it\n');
    h.child().emit('exit', 1);
    expect(h.last()).toMatchObject({ reason: 'disk full: no space left on device (exit code 1)' });
  });

  it('starts the delays over after the core ran for a minute', () => {
    const h = harness();
    h.sup.start();
    for (const expected of [1000, 2000]) {
      h.child().emit('message', READY);
      h.child().emit('exit', 1);
      expect(h.last()).toMatchObject({ inMs: expected });
      h.advance(expected);
    }
    h.child().emit('message', READY);
    h.advance(60_000);
    h.child().emit('exit', 1);
    expect(h.last()).toMatchObject({ kind: 'restarting', inMs: 1000 });
  });

  it('gives up after repeated failures to start, with the reason, until told to retry', () => {
    const h = harness({ maxStartFailures: 3 });
    h.sup.start();
    for (let i = 0; i < 3; i++) {
      h.child().emit('message', { type: 'fatal', message: 'cannot listen for Kafka clients on 0.0.0.0:9092: address in use' });
      h.child().emit('exit', 1);
      h.advance(60_000);
    }
    expect(h.children).toHaveLength(3);
    expect(h.last()).toEqual({ kind: 'failed', reason: 'cannot listen for Kafka clients on 0.0.0.0:9092: address in use (exit code 1)' });
    expect(h.pendingTimers()).toBe(0);
    h.sup.retry();
    expect(h.children).toHaveLength(4);
    h.child().emit('message', READY);
    expect(h.last().kind).toBe('running');
  });

  it('kills a core that does not get ready in time, and says so', () => {
    const h = harness();
    h.sup.start();
    h.advance(120_000);
    expect(h.child().killed).toBe(1);
    h.child().emit('exit', 143);
    expect(h.last()).toMatchObject({ kind: 'restarting', reason: 'it did not start within 120 s (exit code 143)' });
  });

  it('stops cleanly: asks the core, waits for it, and does not restart it', async () => {
    const h = harness();
    h.sup.start();
    h.child().emit('message', READY);
    const stopped = h.sup.stop();
    expect(h.child().posted).toEqual([{ type: 'stop' }]);
    h.child().emit('exit', 0);
    await stopped;
    expect(h.last()).toEqual({ kind: 'stopped' });
    h.advance(600_000);
    expect(h.children).toHaveLength(1);
    expect(h.child().killed).toBe(0);
  });

  it('kills a core that does not stop within the stop timeout', async () => {
    const h = harness();
    h.sup.start();
    h.child().emit('message', READY);
    const stopped = h.sup.stop();
    h.advance(10_000);
    expect(h.child().killed).toBe(1);
    h.child().emit('exit', 143);
    await stopped;
    expect(h.last().kind).toBe('stopped');
  });

  it('stops at once while waiting to restart', async () => {
    const h = harness();
    h.sup.start();
    h.child().emit('exit', 1);
    await h.sup.stop();
    h.advance(600_000);
    expect(h.children).toHaveLength(1);
    expect(h.last().kind).toBe('stopped');
  });
});

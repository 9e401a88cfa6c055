import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/common/group-commit.js';

/** A step whose runs are finished by hand, recording when each started. */
function manualStep() {
  const runs: { finish: (err?: Error) => void }[] = [];
  const step = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { runs, step };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('runs at once when idle and shares one follow-up among every caller that arrives meanwhile', async () => {
    const { runs, step } = manualStep();
    const g = new GroupCommit(step);
    const first = g.request();
    expect(runs).toHaveLength(1);
    expect(g.busy).toBe(true);
    const later = [g.request(), g.request(), g.request()];
    expect(later[1]).toBe(later[0]);
    expect(later[2]).toBe(later[0]);
    expect(runs).toHaveLength(1); // the follow-up waits for the run in flight
    let laterDone = false;
    void later[0]!.then(() => (laterDone = true));
    runs[0]!.finish();
    await first;
    await tick();
    expect(runs).toHaveLength(2);
    expect(laterDone).toBe(false); // settled only by a run that started after their call
    runs[1]!.finish();
    await Promise.all(later);
    expect(g.busy).toBe(false);
    expect(runs).toHaveLength(2);
  });

  it('a caller during the follow-up queues a third run, never joins the one already started', async () => {
    const { runs, step } = manualStep();
    const g = new GroupCommit(step);
    const a = g.request();
    const b = g.request();
    runs[0]!.finish();
    await a;
    await tick();
    expect(runs).toHaveLength(2);
    const c = g.request();
    expect(c).not.toBe(b);
    runs[1]!.finish();
    await b;
    await tick();
    expect(runs).toHaveLength(3);
    runs[2]!.finish();
    await c;
  });

  it('a failed run fails its callers; the callers queued behind it still get their own run', async () => {
    const { runs, step } = manualStep();
    const g = new GroupCommit(step);
    const a = g.request();
    const b = g.request();
    runs[0]!.finish(new Error('fsync failed'));
    await expect(a).rejects.toThrow('fsync failed');
    await tick();
    expect(runs).toHaveLength(2);
    runs[1]!.finish(new Error('still failing'));
    await expect(b).rejects.toThrow('still failing');
    expect(g.busy).toBe(false);
  });
});

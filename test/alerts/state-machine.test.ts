// The state machine on a synthetic clock: pending until `for`, flapping damped by `keepFiring`, repeats only every
// repeatInterval, resolved shown for a while then forgotten.
import { describe, expect, it } from 'vitest';
import { step, type GroupState, type Notice, type Observation, type Timing } from '../../src/alerts/state-machine.js';

const obs = (active: boolean, value = active ? 1 : 0): Observation => ({ key: 'k', labels: { host: 'k' }, active, value, samples: [] });

/** Feeds one condition per evaluation, `every` ms apart; returns the states and notices seen. */
function run(conditions: boolean[], t: Timing, every = 1000) {
  let g: GroupState | undefined;
  const states: string[] = [];
  const notices: { at: number; notice: Notice }[] = [];
  conditions.forEach((c, i) => {
    const s = step(g, obs(c), t, i * every);
    g = s.next ?? undefined;
    states.push(g?.state ?? 'ok');
    if (s.notice) notices.push({ at: i * every, notice: s.notice });
  });
  return { states, notices };
}

describe('alert state machine', () => {
  it('stays pending until the condition has held for `for`, and a blip shorter than that never fires', () => {
    const t = { forMs: 3000, keepFiringMs: 0, repeatMs: 60_000, resolvedMs: 10_000 };
    expect(run([true, true, false, true, true, true, true], t).states).toEqual(['pending', 'pending', 'ok', 'pending', 'pending', 'pending', 'firing']);
    expect(run([true, true, false, true, true, true, true], t).notices).toEqual([{ at: 6000, notice: 'firing' }]);
  });

  it('damps flapping: a condition that keeps coming and going fires once and resolves only after keepFiring of quiet', () => {
    const t = { forMs: 0, keepFiringMs: 2500, repeatMs: 60_000, resolvedMs: 10_000 };
    const flapping = [true, false, true, false, false, true, false, true, false, false, false, false];
    const { states, notices } = run(flapping, t);
    expect(notices).toEqual([
      { at: 0, notice: 'firing' },
      { at: 11_000, notice: 'resolved' }, // false since 8000: the first evaluation 2500 ms or more later
    ]);
    expect(states.slice(0, 11).every((s) => s === 'firing')).toBe(true);
    // Without damping the same input would notify at every change.
    expect(run(flapping, { ...t, keepFiringMs: 0 }).notices.length).toBeGreaterThan(6);
  });

  it('repeats a firing alert every repeatInterval, not at every evaluation', () => {
    const t = { forMs: 0, keepFiringMs: 0, repeatMs: 5000, resolvedMs: 10_000 };
    const { notices } = run(Array(13).fill(true), t);
    expect(notices).toEqual([
      { at: 0, notice: 'firing' },
      { at: 5000, notice: 'repeat' },
      { at: 10_000, notice: 'repeat' },
    ]);
  });

  it('shows resolved for resolvedMs, then forgets it; a new breach while resolved goes through pending again', () => {
    const t = { forMs: 2000, keepFiringMs: 0, repeatMs: 60_000, resolvedMs: 3000 };
    expect(run([true, true, true, false, false, false, false, false], t).states).toEqual(['pending', 'pending', 'firing', 'resolved', 'resolved', 'resolved', 'ok', 'ok']);
    expect(run([true, true, true, false, true, true, true], t).states).toEqual(['pending', 'pending', 'firing', 'resolved', 'pending', 'pending', 'firing']);
  });
});

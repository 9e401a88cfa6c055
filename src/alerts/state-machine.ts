/**
 * The life of one alert (a rule and one group key, e.g. one host): ok → pending (the condition holds, `for` has not
 * yet elapsed) → firing → resolved → ok. Pure: the engine feeds it what an evaluation saw and the clock.
 *
 * Flapping is damped twice: a condition must hold for `for` before firing (a blip stays pending and goes back to ok),
 * and a firing alert resolves only once the condition has been false for `keepFiring` (a dip does not resolve it, and
 * so cannot fire it again). A firing alert notifies again every `repeatInterval`, not at every evaluation.
 */

export type AlertState = 'ok' | 'pending' | 'firing' | 'resolved';

/** What an evaluation showed about one group. */
export interface Observation {
  key: string;
  labels: Record<string, string>;
  active: boolean;
  value: number | null;
  /** The records or points behind the value (a few), kept in the history when this observation fires the alert. */
  samples: Sample[];
}

export type Sample =
  | { kind: 'record'; topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null }
  | { kind: 'point'; tags: Record<string, string>; timestamp: number; value: number }
  | { kind: 'note'; text: string };

export interface GroupState {
  key: string;
  labels: Record<string, string>;
  state: AlertState;
  /** When the current state began. */
  since: number;
  /** Since when the condition has held (pending and firing); null when it does not. */
  activeSince: number | null;
  /** While firing: since when the condition has been false (the keepFiring clock); null while it holds. */
  falseSince: number | null;
  lastNotifiedAt: number | null;
  value: number | null;
}

export interface Timing {
  forMs: number;
  keepFiringMs: number;
  repeatMs: number;
  /** How long a resolved alert stays shown as resolved before it is forgotten (ok). */
  resolvedMs: number;
}

export type Notice = 'firing' | 'repeat' | 'resolved';

export interface Step {
  /** The group's state after this evaluation; null when it is ok (nothing to keep). */
  next: GroupState | null;
  /** A change of state, for the history. */
  transition: { from: AlertState; to: AlertState } | null;
  notice: Notice | null;
}

/** One evaluation of one group: `obs` undefined means the evaluation did not see the group (its condition is false). */
export function step(prev: GroupState | undefined, obs: Observation | undefined, t: Timing, now: number): Step {
  const active = obs?.active === true;
  const value = obs?.value ?? null;
  if (!prev || prev.state === 'ok') {
    if (!active) return { next: null, transition: null, notice: null };
    const g = fresh(obs!, now);
    if (t.forMs === 0) return fire(g, 'ok', now);
    return { next: g, transition: { from: 'ok', to: 'pending' }, notice: null };
  }
  const g: GroupState = { ...prev, value: obs ? value : prev.value, labels: obs?.labels ?? prev.labels };
  switch (prev.state) {
    case 'pending':
      if (!active) return { next: null, transition: { from: 'pending', to: 'ok' }, notice: null };
      if (now - (g.activeSince ?? now) >= t.forMs) return fire(g, 'pending', now);
      return { next: g, transition: null, notice: null };
    case 'firing':
      if (active) {
        g.falseSince = null;
        if (g.lastNotifiedAt === null || now - g.lastNotifiedAt >= t.repeatMs) {
          g.lastNotifiedAt = now;
          return { next: g, transition: null, notice: 'repeat' };
        }
        return { next: g, transition: null, notice: null };
      }
      g.falseSince ??= now;
      if (now - g.falseSince < t.keepFiringMs) return { next: g, transition: null, notice: null };
      return { next: { ...g, state: 'resolved', since: now, activeSince: null, falseSince: null }, transition: { from: 'firing', to: 'resolved' }, notice: 'resolved' };
    case 'resolved':
      if (active) {
        const again = { ...fresh(obs!, now) };
        if (t.forMs === 0) return fire(again, 'resolved', now);
        return { next: again, transition: { from: 'resolved', to: 'pending' }, notice: null };
      }
      if (now - g.since >= t.resolvedMs) return { next: null, transition: { from: 'resolved', to: 'ok' }, notice: null };
      return { next: g, transition: null, notice: null };
  }
}

function fresh(obs: Observation, now: number): GroupState {
  return { key: obs.key, labels: obs.labels, state: 'pending', since: now, activeSince: now, falseSince: null, lastNotifiedAt: null, value: obs.value };
}

function fire(g: GroupState, from: AlertState, now: number): Step {
  return { next: { ...g, state: 'firing', since: now, falseSince: null, lastNotifiedAt: now }, transition: { from, to: 'firing' }, notice: 'firing' };
}

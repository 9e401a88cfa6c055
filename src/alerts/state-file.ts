import type { Evaluator } from './evaluators/index.js';
import type { AlertHistory, HistoryEntry } from './history.js';
import type { CompiledRule } from './rule.js';
import type { AlertState, GroupState } from './state-machine.js';

/**
 * What `__meta/alerts-state.json` holds: per rule its alerts not ok and what its evaluator remembers (when each source
 * last sent), with the rule as it was (its fingerprint), and the history.
 */
export interface PersistedState {
  version: 1;
  rules: Record<string, { fingerprint: string; groups: GroupState[]; memory?: unknown }>;
  history: HistoryEntry[];
}

const STATES: readonly AlertState[] = ['ok', 'pending', 'firing', 'resolved'];

export function persistedState(compiled: ReadonlyMap<string, CompiledRule>, evaluators: ReadonlyMap<string, Evaluator>, groups: ReadonlyMap<string, Map<string, GroupState>>, history: AlertHistory): PersistedState {
  const rules: PersistedState['rules'] = {};
  for (const [id, c] of compiled) {
    const memory = evaluators.get(id)?.snapshot?.();
    const gs = [...(groups.get(id)?.values() ?? [])];
    if (gs.length === 0 && memory === undefined) continue;
    rules[id] = { fingerprint: JSON.stringify(c.rule), groups: gs, ...(memory !== undefined ? { memory } : {}) };
  }
  return { version: 1, rules, history: history.all() };
}

/** Puts back what was saved; a rule changed while the app was down starts from ok, as one changed through the API. */
export function restoreState(data: unknown, compiled: ReadonlyMap<string, CompiledRule>, evaluators: ReadonlyMap<string, Evaluator>, groups: Map<string, Map<string, GroupState>>, history: AlertHistory): void {
  if (typeof data !== 'object' || data === null || (data as PersistedState).version !== 1) return;
  const p = data as PersistedState;
  history.load(Array.isArray(p.history) ? p.history : []);
  for (const [id, saved] of Object.entries(p.rules ?? {})) {
    const c = compiled.get(id);
    if (!c || saved.fingerprint !== JSON.stringify(c.rule)) continue;
    const gs = new Map<string, GroupState>();
    for (const g of saved.groups ?? []) if (g && typeof g.key === 'string' && STATES.includes(g.state)) gs.set(g.key, g);
    if (gs.size) groups.set(id, gs);
    if (saved.memory !== undefined) evaluators.get(id)?.restore?.(saved.memory);
  }
}

import path from 'node:path';
import type { Logger } from '../common/logger.js';
import type { AlertsConfig, Webhook } from './config.js';
import { parseWebhook, MAX_WEBHOOKS } from './config.js';
import { describe } from './describe.js';
import { evaluatorFor, type AlertInputs, type Evaluator } from './evaluators/index.js';
import { AlertHistory, type HistoryEntry } from './history.js';
import { persistedState, restoreState, type PersistedState } from './state-file.js';
import { JsonFileWriter, readJsonFile } from './json-file.js';
import { LogTap } from './log-tap.js';
import type { AlertNotification } from './notification.js';
import { AlertRuleError, compileRule, MAX_RULES, parseRule, type AlertRule, type CompiledRule, type RuleKind } from './rule.js';
import { RuleStore } from './rule-store.js';
import { step, type AlertState, type GroupState, type Observation } from './state-machine.js';
import { Notifier } from './notifier.js';
import type { WebhookOptions, WebhookStats } from './webhook-sender.js';

/** The engine's state (every alert not ok, what evaluators remember, the history), restored at start. */
export const ALERT_STATE_FILE = path.join('__meta', 'alerts-state.json');
/** Alerts (groups not ok) kept per rule at most: a rule by a field with thousands of values cannot grow without end. */
export const MAX_ALERTS_PER_RULE = 1000;
/** How long a resolved alert is shown as resolved before it counts as ok again (unless set otherwise). */
export const RESOLVED_SHOWN_MS = 5 * 60_000;
/** How often what evaluators remember is written when nothing else changed. */
const MEMORY_WRITE_MS = 30_000;

/** A rule is changed or deleted through the API, but it comes from the config file. */
export class ReadOnlyRuleError extends Error {}

export interface AlertEngineOptions {
  dataDir: string;
  config: AlertsConfig;
  inputs: AlertInputs;
  /** Writes a notification as a record of the alerts topic (config.topic); null: not written. */
  publish: ((topic: string, n: AlertNotification) => Promise<void>) | null;
  logger: Logger;
  webhook?: WebhookOptions;
  resolvedMs?: number;
  historyLimit?: number;
  now?: () => number;
}

/** One alert: a rule and one group key not in state ok. */
export interface AlertStatus extends GroupState {
  rule: { id: string; name: string; kind: RuleKind };
}

export interface RuleStatus {
  rule: AlertRule;
  readOnly: boolean;
  /** The most serious state among its groups: firing, pending, resolved, else ok. */
  state: AlertState;
  firing: number;
  pending: number;
  lastEvaluatedAt: number | null;
  /** Why the last evaluation failed (a metric rule with the metrics store off); null when it did not. */
  error: string | null;
}


const SEVERITY: Record<AlertState, number> = { ok: 0, resolved: 1, pending: 2, firing: 3 };

/**
 * Evaluates every enabled rule every `interval`, moves each group of each rule through the state machine, and sends
 * notifications: webhooks, the alerts topic, and listeners (the UI's socket, the desktop shell). State and history are
 * written atomically after any evaluation that changed them and read back at start, so a restart resumes each alert
 * where it was (a firing alert stays firing and does not notify again before its repeat interval).
 */
export class AlertEngine {
  private readonly configRules: Map<string, AlertRule>;
  private readonly compiled = new Map<string, CompiledRule>();
  private readonly evaluators = new Map<string, Evaluator>();
  private readonly groups = new Map<string, Map<string, GroupState>>();
  private readonly status = new Map<string, { lastEvaluatedAt: number | null; error: string | null }>();
  private readonly history: AlertHistory;
  private readonly notifier: Notifier;
  private readonly stateWriter: JsonFileWriter;
  private readonly changeListeners = new Set<() => void>();
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastMemory = new Map<string, string>();
  private lastWriteAt = 0;
  private readonly tap: LogTap;

  private constructor(
    private readonly o: AlertEngineOptions,
    private readonly store: RuleStore,
  ) {
    this.startedAt = this.now();
    this.configRules = new Map(o.config.rules.map((r) => [r.id, r]));
    this.history = new AlertHistory(o.historyLimit ?? 1000);
    this.notifier = new Notifier({ logger: o.logger, hooks: () => [...o.config.webhooks, ...this.store.webhooks], topic: o.config.topic, publish: o.publish, webhook: o.webhook });
    this.stateWriter = new JsonFileWriter(path.join(o.dataDir, ALERT_STATE_FILE), () => this.persisted());
    this.tap = new LogTap(o.inputs.logs, new Set(o.config.topic ? [o.config.topic] : []));
  }

  /** Reads the rules file and the saved state; call start() to begin evaluating. */
  static open(o: AlertEngineOptions): AlertEngine {
    const store = RuleStore.open(o.dataDir);
    if (store.problem) o.logger.warn(`alerts: ${store.problem}`);
    const engine = new AlertEngine(o, store);
    for (const r of o.config.rules) engine.install(r, true);
    for (const r of store.rules.values()) {
      if (engine.configRules.has(r.id)) o.logger.warn(`alerts: rule ${r.id} of ${ALERT_RULES_NOTE} is shadowed by the config file's rule of the same id`);
      else engine.install(r, false);
    }
    engine.restore(readJsonFile(path.join(o.dataDir, ALERT_STATE_FILE)));
    return engine;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  get intervalMs(): number {
    return this.o.config.intervalMs;
  }

  start(): void {
    if (this.stopped || this.timer) return;
    const loop = () => {
      this.timer = null;
      this.running = this.evaluate().finally(() => {
        this.running = null;
        if (!this.stopped) {
          this.timer = setTimeout(loop, this.o.config.intervalMs);
          this.timer.unref?.();
        }
      });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref?.();
  }

  /** Stops evaluating, writes the state a last time, drops undelivered webhooks. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await this.stateWriter.save();
    this.notifier.close();
  }

  // ---- rules -------------------------------------------------------------------------------------------------------

  private install(rule: AlertRule, readOnly: boolean): void {
    const c = compileRule(rule, readOnly);
    this.evaluators.get(rule.id)?.close?.();
    this.compiled.set(rule.id, c);
    this.evaluators.set(rule.id, evaluatorFor(c, this.o.inputs, this.tap, this.startedAt));
    this.status.set(rule.id, { lastEvaluatedAt: null, error: null });
  }

  rules(): RuleStatus[] {
    return [...this.compiled.values()].map((c) => this.ruleStatus(c)).sort((a, b) => a.rule.name.localeCompare(b.rule.name) || a.rule.id.localeCompare(b.rule.id));
  }

  rule(id: string): RuleStatus | undefined {
    const c = this.compiled.get(id);
    return c && this.ruleStatus(c);
  }

  private ruleStatus(c: CompiledRule): RuleStatus {
    const gs = [...(this.groups.get(c.rule.id)?.values() ?? [])];
    const st = this.status.get(c.rule.id)!;
    const state = gs.reduce<AlertState>((s, g) => (SEVERITY[g.state] > SEVERITY[s] ? g.state : s), 'ok');
    return { rule: c.rule, readOnly: c.readOnly, state, firing: gs.filter((g) => g.state === 'firing').length, pending: gs.filter((g) => g.state === 'pending').length, ...st };
  }

  /** Creates or replaces an editable rule (validated; the path's id wins); resolves once it is on disk. */
  async putRule(id: string, input: unknown): Promise<RuleStatus> {
    if (this.configRules.has(id)) throw new ReadOnlyRuleError(`rule ${id} comes from the config file; change it there (rules set in the config file are read-only here)`);
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const given = (input as Record<string, unknown>).id;
      if (given !== undefined && given !== id) throw new AlertRuleError(`body.id: ${JSON.stringify(given)} differs from the id in the path (${id}); leave it out or make them equal`);
      input = { ...input, id };
    }
    const rule = parseRule(input, 'body');
    const existing = this.store.rules.get(id);
    if (!existing && this.compiled.size >= MAX_RULES) throw new AlertRuleError(`there are already ${MAX_RULES} rules, the most there may be; delete one first`);
    this.store.rules.set(id, rule);
    await this.store.save();
    if (!existing || JSON.stringify(existing) !== JSON.stringify(rule)) {
      this.install(rule, false);
      this.groups.delete(id); // a changed condition starts from ok: its old alerts said something else
      this.lastMemory.delete(id);
      void this.stateWriter.save();
    }
    this.changed();
    return this.rule(id)!;
  }

  /** False when there is no such editable rule. */
  async deleteRule(id: string): Promise<boolean> {
    if (this.configRules.has(id)) throw new ReadOnlyRuleError(`rule ${id} comes from the config file; remove it there (rules set in the config file are read-only here)`);
    if (!this.store.rules.delete(id)) return false;
    await this.store.save();
    this.compiled.delete(id);
    this.evaluators.get(id)?.close?.();
    this.evaluators.delete(id);
    this.status.delete(id);
    this.groups.delete(id);
    this.lastMemory.delete(id);
    void this.stateWriter.save();
    this.changed();
    return true;
  }

  /** Webhooks from the config file (read-only) and those set through the API. */
  webhookList(): { config: Webhook[]; editable: Webhook[]; stats: WebhookStats } {
    return { config: this.o.config.webhooks, editable: this.store.webhooks, stats: this.notifier.stats };
  }

  async setWebhooks(input: unknown): Promise<Webhook[]> {
    if (!Array.isArray(input)) throw new AlertRuleError('body.webhooks: must be a list of {"url": "https://…"}');
    if (input.length > MAX_WEBHOOKS) throw new AlertRuleError(`body.webhooks: at most ${MAX_WEBHOOKS} webhooks`);
    this.store.webhooks = input.map((w, i) => parseWebhook(w, `body.webhooks[${i}]`));
    await this.store.save();
    return this.store.webhooks;
  }

  // ---- state -------------------------------------------------------------------------------------------------------

  /** Every alert not ok, firing first, then by rule and key. */
  alerts(): AlertStatus[] {
    const out: AlertStatus[] = [];
    for (const [id, gs] of this.groups) {
      const r = this.compiled.get(id)?.rule;
      if (!r) continue;
      for (const g of gs.values()) out.push({ ...g, rule: { id, name: r.name, kind: r.kind } });
    }
    return out.sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state] || a.rule.name.localeCompare(b.rule.name) || a.key.localeCompare(b.key));
  }

  firingCount(): number {
    let n = 0;
    for (const gs of this.groups.values()) for (const g of gs.values()) if (g.state === 'firing') n++;
    return n;
  }

  historyEntries(opts: { rule?: string; limit?: number; before?: number } = {}): HistoryEntry[] {
    return this.history.list(opts);
  }

  onNotification(f: (n: AlertNotification) => void): () => void {
    return this.notifier.onNotification(f);
  }

  /** Called after anything shown changed (an evaluation that moved a state, a rule added or removed). */
  onChange(f: () => void): () => void {
    this.changeListeners.add(f);
    return () => this.changeListeners.delete(f);
  }

  private changed(): void {
    for (const f of this.changeListeners) {
      try {
        f();
      } catch (e) {
        this.o.logger.warn(`alerts: a listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Resolves once queued webhook deliveries are done (tests). */
  webhooksDrained(): Promise<void> {
    return this.notifier.drained();
  }

  // ---- evaluation --------------------------------------------------------------------------------------------------

  /** One evaluation of every enabled rule (the timer's work; tests may call it directly). */
  async evaluate(): Promise<void> {
    let changed = false;
    let memoryChanged = false;
    // What was appended since the last round, read once for every log-count rule (each keeps a window of counts).
    let window = 0;
    for (const c of this.compiled.values()) if (c.rule.enabled && c.rule.kind === 'log-count') window = Math.max(window, c.windowMs);
    if (window > 0) {
      try {
        await this.tap.advance(this.now() - window);
      } catch (e) {
        this.o.logger.warn(`alerts: reading the log for log-count rules failed: ${(e as Error).message}`);
      }
    }
    for (const c of [...this.compiled.values()]) {
      if (this.stopped) return;
      if (!c.rule.enabled) continue;
      const ev = this.evaluators.get(c.rule.id);
      const st = this.status.get(c.rule.id);
      if (!ev || !st) continue;
      const now = this.now();
      let obs: Observation[];
      try {
        obs = await ev.evaluate(now);
        if (st.error !== null) changed = true;
        st.error = null;
      } catch (e) {
        const msg = (e as Error).message;
        if (st.error !== msg) this.o.logger.warn(`alerts: rule ${c.rule.id} could not be evaluated: ${msg}`);
        if (st.error !== msg) changed = true;
        st.error = msg;
        st.lastEvaluatedAt = now;
        continue;
      }
      if (this.compiled.get(c.rule.id) !== c) continue; // replaced while it was being evaluated
      st.lastEvaluatedAt = now;
      if (this.apply(c, obs, now)) changed = true;
      if (ev.snapshot) {
        const m = JSON.stringify(ev.snapshot());
        if (m !== this.lastMemory.get(c.rule.id)) {
          this.lastMemory.set(c.rule.id, m);
          memoryChanged = true;
        }
      }
    }
    // What evaluators remember (when each source last sent) changes all the time: written with the next change of
    // state, or at most every MEMORY_WRITE_MS, not at every evaluation.
    const now = this.now();
    if (changed || (memoryChanged && now - this.lastWriteAt >= MEMORY_WRITE_MS)) {
      this.lastWriteAt = now;
      void this.stateWriter.save().catch((e: Error) => this.o.logger.error(`alerts: cannot write ${ALERT_STATE_FILE}: ${e.message}`));
    }
    if (changed) this.changed();
  }

  /** Moves every group of the rule on; true when something changed that is persisted. */
  private apply(c: CompiledRule, obs: Observation[], now: number): boolean {
    const id = c.rule.id;
    let gs = this.groups.get(id);
    if (!gs) this.groups.set(id, (gs = new Map()));
    const seen = new Map(obs.map((o) => [o.key, o]));
    const timing = { forMs: c.forMs, keepFiringMs: c.keepFiringMs, repeatMs: c.repeatMs, resolvedMs: this.o.resolvedMs ?? RESOLVED_SHOWN_MS };
    let changed = false;
    for (const key of new Set([...gs.keys(), ...seen.keys()])) {
      const prev = gs.get(key);
      const o = seen.get(key);
      if (!prev && (!o?.active || gs.size >= MAX_ALERTS_PER_RULE)) continue;
      const s = step(prev, o, timing, now);
      if (s.next) gs.set(key, s.next);
      else gs.delete(key);
      // A new value alone is not worth a write (it is written with the next change); the clocks of the state are.
      if (s.next && prev && (s.next.falseSince !== prev.falseSince || s.next.lastNotifiedAt !== prev.lastNotifiedAt)) changed = true;
      if (s.transition) {
        changed = true;
        const fired = s.transition.to === 'firing';
        this.history.add({ at: now, rule: { id, name: c.rule.name, kind: c.rule.kind }, key, labels: o?.labels ?? prev?.labels ?? {}, from: s.transition.from, to: s.transition.to, value: o?.value ?? prev?.value ?? null, samples: fired ? (o?.samples ?? []) : [] });
      }
      if (s.notice) this.notify(c, s.next ?? prev!, s.notice, o, now);
    }
    if (gs.size === 0) this.groups.delete(id);
    return changed;
  }

  private notify(c: CompiledRule, g: GroupState, type: AlertNotification['type'], o: Observation | undefined, now: number): void {
    const { title, body } = describe(c.rule, g, type);
    this.notifier.send({ type, rule: { id: c.rule.id, name: c.rule.name, kind: c.rule.kind }, key: g.key, labels: g.labels, state: g.state, value: g.value, since: g.since, at: now, title, body, samples: o?.samples ?? [] });
  }

  // ---- persistence -------------------------------------------------------------------------------------------------

  private persisted(): PersistedState {
    return persistedState(this.compiled, this.evaluators, this.groups, this.history);
  }

  private restore(data: unknown): void {
    restoreState(data, this.compiled, this.evaluators, this.groups, this.history);
  }
}

const ALERT_RULES_NOTE = '__meta/alerts.json';

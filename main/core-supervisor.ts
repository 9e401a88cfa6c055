/**
 * Runs the core (src/app/desktop-core-main.ts) in a child process and keeps it running: restarted with growing delays
 * when it dies, given up on after repeated failures to start (a bad config, a port taken: retrying cannot fix those),
 * and asked to stop cleanly on quit. Every state carries what the user should see; why it died comes from the core's
 * own `fatal` message, Electron's `error` event, the last ERROR line of its log, or its exit code, in that order.
 */
import type { CoreAlert, CoreReady, MainToCore } from '../src/app/desktop-protocol.js';

/** The part of Electron's UtilityProcess the supervisor uses (tests give a fake). */
export interface CoreChild {
  on(event: 'message' | 'exit' | 'error' | 'spawn', listener: (...args: any[]) => void): unknown;
  postMessage(message: MainToCore): void;
  kill(): boolean;
  readonly stderr: NodeJS.ReadableStream | null;
  readonly stdout: NodeJS.ReadableStream | null;
}

export type CoreState =
  | { kind: 'starting' }
  | { kind: 'running'; ready: CoreReady }
  | { kind: 'restarting'; reason: string; inMs: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'stopped' };

export interface SupervisorOptions {
  fork: () => CoreChild;
  onState: (state: CoreState) => void;
  /** The core's stdout and stderr, line by line (main writes them to its own stderr). */
  onLog?: (line: string) => void;
  /** An alert the core raised (fired, repeated, resolved): main shows it as a native notification. */
  onAlert?: (alert: { title: string; body: string; rule: string; notice: CoreAlert['notice'] }) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  /** Delays before each restart in a row; the last one repeats. */
  backoffMs?: readonly number[];
  /** A core that ran this long counts as healthy: the next crash restarts after the first delay again. */
  stableMs?: number;
  /** Give up after this many starts in a row that never got ready. */
  maxStartFailures?: number;
  /** A core that is not ready this long after starting is killed (and counts as a failed start). */
  startTimeoutMs?: number;
  /** How long a clean stop may take (flushing logs) before the core is killed. */
  stopTimeoutMs?: number;
}

export const DEFAULT_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000] as const;
const STDERR_LINES_KEPT = 50;

/** Longest alert title and body shown; longer ones are cut (a notification is a glance, not a report). */
const MAX_ALERT_TITLE = 200;
const MAX_ALERT_BODY = 1000;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function parseMessage(m: unknown): { type: 'ready'; ready: CoreReady } | { type: 'fatal'; message: string } | { type: 'alert'; alert: Omit<CoreAlert, 'type'> } | null {
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  if (o.type === 'alert') {
    if (typeof o.title !== 'string' || typeof o.body !== 'string' || typeof o.rule !== 'string' || !['firing', 'repeat', 'resolved'].includes(o.notice as string)) return null;
    return { type: 'alert', alert: { title: cut(o.title, MAX_ALERT_TITLE), body: cut(o.body, MAX_ALERT_BODY), rule: o.rule, notice: o.notice as CoreAlert['notice'] } };
  }
  if (o.type === 'fatal' && typeof o.message === 'string') return { type: 'fatal', message: o.message };
  if (o.type === 'ready' && typeof o.uiUrl === 'string' && typeof o.origin === 'string' && typeof o.token === 'string') {
    const origin = new URL(o.uiUrl).origin;
    // The window will trust this origin: it must be a loopback http server, whatever the message says.
    if (origin !== o.origin || !/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):\d+$/.test(origin)) return null;
    return { type: 'ready', ready: { type: 'ready', uiUrl: o.uiUrl, origin, token: o.token, kafka: String(o.kafka ?? ''), dataDir: String(o.dataDir ?? '') } };
  }
  return null;
}

export class CoreSupervisor {
  private readonly o: Required<Omit<SupervisorOptions, 'onLog' | 'onAlert'>> & Pick<SupervisorOptions, 'onLog' | 'onAlert'>;
  private child: CoreChild | null = null;
  private state: CoreState = { kind: 'stopped' };
  private timer: unknown = null;
  private restarts = 0;
  private startFailures = 0;
  private stopping: Promise<void> | null = null;
  private resolveStopped: (() => void) | null = null;

  constructor(options: SupervisorOptions) {
    this.o = {
      now: Date.now,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
      backoffMs: DEFAULT_BACKOFF_MS,
      stableMs: 60_000,
      maxStartFailures: 5,
      startTimeoutMs: 120_000,
      stopTimeoutMs: 10_000,
      ...options,
    };
  }

  current(): CoreState {
    return this.state;
  }

  start(): void {
    if (this.child || this.stopping) return;
    this.spawn();
  }

  /** After `failed`: try again from scratch (the user fixed the config, freed the port). */
  retry(): void {
    if (this.state.kind !== 'failed' || this.stopping) return;
    this.startFailures = 0;
    this.restarts = 0;
    this.spawn();
  }

  /** Asks the core to stop cleanly and resolves when it has exited (killed after stopTimeoutMs). Idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.cancelTimer();
    const child = this.child;
    if (!child) {
      this.setState({ kind: 'stopped' });
      return (this.stopping = Promise.resolve());
    }
    this.stopping = new Promise<void>((resolve) => (this.resolveStopped = resolve));
    try {
      child.postMessage({ type: 'stop' });
    } catch {
      child.kill();
    }
    this.timer = this.o.setTimer(() => child.kill(), this.o.stopTimeoutMs);
    return this.stopping;
  }

  private setState(s: CoreState): void {
    this.state = s;
    this.o.onState(s);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
  }

  private spawn(): void {
    this.cancelTimer();
    this.setState({ kind: 'starting' });
    let readyAt: number | null = null;
    let fatal: string | null = null;
    let crash: string | null = null;
    let timedOut = false;
    const lines: string[] = [];
    const child = this.o.fork();
    this.child = child;

    const keep = (line: string) => {
      if (!line) return;
      this.o.onLog?.(line);
      lines.push(line);
      if (lines.length > STDERR_LINES_KEPT) lines.shift();
    };
    // Chunks do not end at line ends: the unfinished tail of each waits for the next chunk (or the end).
    const lineReader = (stream: NodeJS.ReadableStream | null) => {
      let partial = '';
      stream?.on('data', (chunk: Buffer | string) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop()!;
        parts.forEach(keep);
      });
      stream?.on('end', () => keep(partial));
    };
    lineReader(child.stdout);
    lineReader(child.stderr);

    child.on('message', (m: unknown) => {
      const msg = parseMessage(m);
      if (!msg || this.child !== child) return;
      if (msg.type === 'fatal') fatal = msg.message;
      else if (msg.type === 'alert') this.o.onAlert?.(msg.alert);
      else if (!this.stopping) {
        readyAt = this.o.now();
        this.startFailures = 0;
        this.cancelTimer();
        this.setState({ kind: 'running', ready: msg.ready });
      }
    });
    child.on('error', (type: string, location: string) => {
      crash = `${type} at ${location}`;
    });
    child.on('exit', (code: number) => {
      if (this.child !== child) return;
      this.child = null;
      this.cancelTimer();
      if (this.stopping) {
        this.setState({ kind: 'stopped' });
        this.resolveStopped?.();
        return;
      }
      const lastError = [...lines].reverse().find((l) => / ERROR /.test(l));
      const why = timedOut
        ? `it did not start within ${Math.round(this.o.startTimeoutMs / 1000)} s`
        : (fatal ?? (crash ? `it crashed (${crash})` : lastError ? lastError.replace(/^\S+\s+ERROR\s+/, '') : 'it stopped unexpectedly'));
      const reason = `${why} (exit code ${code})`;
      if (readyAt === null) this.startFailures++;
      else if (this.o.now() - readyAt >= this.o.stableMs) this.restarts = 0;
      if (this.startFailures >= this.o.maxStartFailures) {
        this.setState({ kind: 'failed', reason });
        return;
      }
      const delays = this.o.backoffMs;
      const inMs = delays[Math.min(this.restarts, delays.length - 1)];
      this.restarts++;
      this.setState({ kind: 'restarting', reason, inMs });
      this.timer = this.o.setTimer(() => this.spawn(), inMs);
    });
    this.timer = this.o.setTimer(() => {
      if (readyAt !== null || this.child !== child) return;
      timedOut = true;
      child.kill();
    }, this.o.startTimeoutMs);
  }
}

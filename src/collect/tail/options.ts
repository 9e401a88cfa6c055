import os from 'node:os';
import path from 'node:path';

/** How lines are grouped into one record (stack traces, tracebacks). */
export interface MultilineOptions {
  /** A line matching this STARTS a new record; with it alone, every other line joins the record before it. */
  startPattern?: RegExp;
  /**
   * A line matching this joins the record before it. Default: {@link DEFAULT_CONTINUE_PATTERN}, which keeps Java stack
   * traces (`\tat …`, `Caused by:`, `\t... 3 more`) and indented Python traceback frames in one record; without a
   * startPattern, Python's `Traceback (most recent call last):` blocks also keep their final exception line and
   * chained tracebacks. With both patterns a line joins when it matches continuePattern or does not match startPattern.
   */
  continuePattern?: RegExp;
  /** Emit a pending record once its file has been quiet (at end of file) this long. Default 1000. */
  flushAfterMs?: number;
}

export interface ParseOptions {
  /** A line that is a JSON object is kept as-is; timestamp and level come from its common fields. Default false. */
  json?: boolean;
  /** Detect the log level (ERROR/WARN/INFO/DEBUG/TRACE/FATAL and variants) into header `level`. Default false. */
  level?: boolean;
  /** Take the record timestamp from a timestamp at the start of the line (ISO-8601, syslog, Apache…). Default true. */
  timestamp?: boolean;
}

/** Where the tailer reports what it does; the agent passes its own logger. */
export interface TailLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface FileTailerOptions {
  /** Files to tail, as picomatch globs (`/var/log/app/*.log`, `logs/**\/*.log`); relative ones resolve against the cwd. */
  globs: string[];
  /**
   * Globs of files never to tail; one without a slash matches file names anywhere (`*.gz`). Default: compressed files
   * (`*.gz`, `*.zip`, `*.bz2`, `*.xz`, `*.zst`, `*.lz4`), which rotation often leaves beside the logs.
   */
  exclude?: string[];
  /**
   * Where to start in a file found by the first scan that the checkpoint does not know. Files that appear while the
   * tailer runs, and files at a path the checkpoint knows (a log rotated while the agent was down), are always read
   * from the beginning, so 'end' never skips lines of a freshly rotated log.
   */
  startAt: 'beginning' | 'end';
  /** The tailer's positions, rewritten crash-safely (temp file, fsync, rename, fsync directory). */
  checkpointFile: string;
  multiline?: MultilineOptions;
  /** A longer record is cut to this size and ends with "…[truncated N bytes]". Default 1 MiB. */
  maxRecordBytes?: number;
  parse?: ParseOptions;
  /** Header `host`. Default: os.hostname(). */
  host?: string;
  /** Header `agent`. Default: 'tributary-agent'. */
  agentName?: string;
  /** Bytes read from a file at once. Default 512 KiB. */
  readChunkBytes?: number;
  /** How often every file is stat-ed, as a fallback for change events the watcher coalesces or misses. Default 250. */
  pollIntervalMs?: number;
  /** How often the globs are re-walked to find files the watcher missed. Default 5000. */
  rescanIntervalMs?: number;
  /** The checkpoint is rewritten at most this often; commits in between share one write. Default 1000. */
  checkpointIntervalMs?: number;
  /** At most this many records per 'batch' event. Default 8192. */
  maxBatchRecords?: number;
  /** Bytes at the start of a file that identify it together with device and inode. Default 256. */
  fingerprintBytes?: number;
  /** A rotated-away or deleted file is closed once fully read and idle this long (late writes are still read). Default 5000. */
  rotateWaitMs?: number;
  log?: TailLogger;
}

export const DEFAULT_CONTINUE_PATTERN = /^(\s|at\s|Caused by:|\.\.\. \d+ more)/;
export const DEFAULT_EXCLUDE = ['**/*.gz', '**/*.zip', '**/*.bz2', '**/*.xz', '**/*.zst', '**/*.lz4'];

export interface ResolvedMultiline {
  startPattern: RegExp | null;
  /** Null when only a startPattern was given. */
  continuePattern: RegExp | null;
  flushAfterMs: number;
}

export interface ResolvedTailerOptions {
  globs: string[];
  exclude: string[];
  startAt: 'beginning' | 'end';
  checkpointFile: string;
  multiline: ResolvedMultiline | null;
  maxRecordBytes: number;
  parse: Required<ParseOptions>;
  host: string;
  agentName: string;
  readChunkBytes: number;
  pollIntervalMs: number;
  rescanIntervalMs: number;
  checkpointIntervalMs: number;
  maxBatchRecords: number;
  fingerprintBytes: number;
  rotateWaitMs: number;
  log: TailLogger;
}

export class TailerConfigError extends Error {
  override name = 'TailerConfigError';
}

const silent: TailLogger = { debug() {}, info() {}, warn() {}, error() {} };

function int(name: string, value: number | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return dflt;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TailerConfigError(`file tailer: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Validates the options and fills in defaults; throws TailerConfigError saying which option to fix. */
export function resolveTailerOptions(o: FileTailerOptions): ResolvedTailerOptions {
  if (!Array.isArray(o.globs) || o.globs.length === 0 || o.globs.some((g) => typeof g !== 'string' || g.trim() === '')) {
    throw new TailerConfigError('file tailer: globs must be a non-empty list of file patterns, e.g. ["/var/log/app/*.log"]');
  }
  if (o.startAt !== 'beginning' && o.startAt !== 'end') {
    throw new TailerConfigError(`file tailer: startAt must be 'beginning' or 'end', got ${String(o.startAt)}`);
  }
  if (typeof o.checkpointFile !== 'string' || o.checkpointFile === '') {
    throw new TailerConfigError('file tailer: checkpointFile is required: a path where the tailer keeps its positions');
  }
  const maxRecordBytes = int('maxRecordBytes', o.maxRecordBytes, 1024 * 1024, 256, 256 * 1024 * 1024);
  let multiline: ResolvedMultiline | null = null;
  if (o.multiline) {
    for (const k of ['startPattern', 'continuePattern'] as const) {
      const p = o.multiline[k];
      if (p !== undefined && !(p instanceof RegExp)) throw new TailerConfigError(`file tailer: multiline.${k} must be a RegExp`);
      if (p && (p.global || p.sticky)) throw new TailerConfigError(`file tailer: multiline.${k} must not use the g or y flag (it would make test() stateful)`);
    }
    multiline = {
      startPattern: o.multiline.startPattern ?? null,
      continuePattern: o.multiline.continuePattern ?? (o.multiline.startPattern ? null : DEFAULT_CONTINUE_PATTERN),
      flushAfterMs: int('multiline.flushAfterMs', o.multiline.flushAfterMs, 1000, 1),
    };
  }
  return {
    globs: o.globs.map(toPattern),
    exclude: (o.exclude ?? DEFAULT_EXCLUDE).map((g) => (g.startsWith('**/') ? g : g.includes('/') ? toPattern(g) : `**/${g}`)),
    startAt: o.startAt,
    checkpointFile: path.resolve(o.checkpointFile),
    multiline,
    maxRecordBytes,
    parse: { json: o.parse?.json ?? false, level: o.parse?.level ?? false, timestamp: o.parse?.timestamp ?? true },
    host: o.host ?? os.hostname(),
    agentName: o.agentName ?? 'tributary-agent',
    readChunkBytes: int('readChunkBytes', o.readChunkBytes, 512 * 1024, 4096, 64 * 1024 * 1024),
    pollIntervalMs: int('pollIntervalMs', o.pollIntervalMs, 250, 10),
    rescanIntervalMs: int('rescanIntervalMs', o.rescanIntervalMs, 5000, 50),
    checkpointIntervalMs: int('checkpointIntervalMs', o.checkpointIntervalMs, 1000, 0),
    maxBatchRecords: int('maxBatchRecords', o.maxBatchRecords, 8192, 1),
    fingerprintBytes: int('fingerprintBytes', o.fingerprintBytes, 256, 16, 64 * 1024),
    rotateWaitMs: int('rotateWaitMs', o.rotateWaitMs, 5000, 0),
    log: o.log ?? silent,
  };
}

/** An absolute pattern with forward slashes, which is what picomatch expects on every platform. */
export function toPattern(glob: string): string {
  return toPosix(path.resolve(glob));
}

export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

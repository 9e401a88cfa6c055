/**
 * What a JSON log line says about itself: its time and its level, from the field names common loggers use
 * (pino, bunyan, winston, logrus, zap, Python's logging, ECS/Elastic, Serilog).
 */

const TIME_FIELDS = ['@timestamp', 'timestamp', 'time', 'ts', '@t'];
const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'loglevel', 'levelname', 'log.level', '@l'];

const NAMED_LEVELS: Record<string, string> = {
  fatal: 'FATAL', panic: 'FATAL', emerg: 'FATAL', emergency: 'FATAL', alert: 'FATAL', crit: 'FATAL', critical: 'FATAL',
  error: 'ERROR', err: 'ERROR', eror: 'ERROR',
  warn: 'WARN', warning: 'WARN', wrn: 'WARN',
  info: 'INFO', information: 'INFO', informational: 'INFO', notice: 'INFO', inf: 'INFO',
  debug: 'DEBUG', dbg: 'DEBUG', verbose: 'DEBUG',
  trace: 'TRACE', trc: 'TRACE',
};

/** A level name or a pino/bunyan number (10 trace … 60 fatal) as ERROR/WARN/INFO/DEBUG/TRACE/FATAL; null if unknown. */
export function normalizeLevel(v: unknown): string | null {
  if (typeof v === 'number') {
    if (v >= 60) return 'FATAL';
    if (v >= 50) return 'ERROR';
    if (v >= 40) return 'WARN';
    if (v >= 30) return 'INFO';
    if (v >= 20) return 'DEBUG';
    if (v >= 10) return 'TRACE';
    return null;
  }
  if (typeof v !== 'string') return null;
  return NAMED_LEVELS[v.trim().toLowerCase()] ?? null;
}

/**
 * Epoch milliseconds from a number (seconds, ms, µs or ns, told apart by magnitude) or a date string
 * (RFC 3339 / ISO 8601, or digits); null when it is neither.
 */
export function normalizeTimestamp(v: unknown): number | null {
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^-?\d+(\.\d+)?$/.test(s)) return normalizeTimestamp(Number(s));
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : t;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return null;
  if (v < 1e11) return Math.round(v * 1000);
  if (v < 1e14) return Math.round(v);
  if (v < 1e17) return Math.round(v / 1000);
  return Math.round(v / 1e6);
}

function lookup(obj: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(obj, path)) return obj[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  const head = obj[path.slice(0, dot)];
  return head && typeof head === 'object' ? lookup(head as Record<string, unknown>, path.slice(dot + 1)) : undefined;
}

export function jsonTimestamp(obj: Record<string, unknown>): number | null {
  for (const f of TIME_FIELDS) {
    const t = normalizeTimestamp(lookup(obj, f));
    if (t !== null) return t;
  }
  return null;
}

export function jsonLevel(obj: Record<string, unknown>): string | null {
  for (const f of LEVEL_FIELDS) {
    const l = normalizeLevel(lookup(obj, f));
    if (l !== null) return l;
  }
  return null;
}

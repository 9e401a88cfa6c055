// The level of a record as the search histogram sees it, cheaply: a `level`/`severity` header, then a JSON or logfmt
// `level`, then a level word near the start of the line. Only the first 300 characters are looked at.
import type { Level } from './api';

const ALIASES: Record<string, Level> = {
  fatal: 'fatal', panic: 'fatal', crit: 'fatal', critical: 'fatal', emerg: 'fatal', emergency: 'fatal', alert: 'fatal',
  error: 'error', err: 'error', eror: 'error',
  warn: 'warn', warning: 'warn',
  info: 'info', information: 'info', notice: 'info',
  debug: 'debug', dbug: 'debug',
  trace: 'trace',
};

const FIELD = /["']?(?:level|severity|lvl)["']?\s*[:=]\s*["']?([A-Za-z]+)/i;
const WORD = /\b(FATAL|PANIC|CRIT(?:ICAL)?|ERROR|ERR|WARN(?:ING)?|INFO|NOTICE|DEBUG|TRACE)\b/;

export function levelOf(value: string | null, headers: { key: string; value: string | null }[]): Level {
  for (const h of headers) {
    if ((h.key === 'level' || h.key === 'severity') && h.value) {
      const l = ALIASES[h.value.toLowerCase()];
      if (l) return l;
    }
  }
  if (!value) return 'unknown';
  const head = value.length > 300 ? value.slice(0, 300) : value;
  const f = FIELD.exec(head);
  if (f) {
    const l = ALIASES[f[1]!.toLowerCase()];
    if (l) return l;
  }
  const w = WORD.exec(head);
  if (w) return ALIASES[w[1]!.toLowerCase()] ?? 'unknown';
  return 'unknown';
}

/**
 * PRI => "<" PRIVAL ">", PRIVAL = facility * 8 + severity (0-191), shared by RFC 3164 and RFC 5424.
 * Names as in syslog.h / rsyslog; `level` is the record header the UI colours by.
 */

export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** Severity → the level header shared with the agent's parsers: 0-2 FATAL, 3 ERROR, 4 WARN, 5-6 INFO, 7 DEBUG. */
export const SEVERITY_LEVELS = ['FATAL', 'FATAL', 'FATAL', 'ERROR', 'WARN', 'INFO', 'INFO', 'DEBUG'] as const;

export interface Pri {
  facility: number;
  severity: number;
  /** Index just past the closing '>'. */
  end: number;
}

/** The PRI at the start of `s`, or null when there is none (or its value is above 191). */
export function parsePri(s: string): Pri | null {
  if (s.charCodeAt(0) !== 0x3c /* < */) return null;
  let v = 0;
  let i = 1;
  for (; i < s.length && i <= 4; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3e /* > */) break;
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10 + (c - 0x30);
  }
  if (i === 1 || i > 4 || s.charCodeAt(i) !== 0x3e || v > 191) return null;
  return { facility: v >> 3, severity: v & 7, end: i + 1 };
}

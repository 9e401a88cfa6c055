import type { SyslogMessage } from './message.js';

/**
 * RFC 3164 (BSD syslog), after the PRI: TIMESTAMP SP HOSTNAME SP TAG[ "[" PID "]" ] ":" SP MSG, where TIMESTAMP is
 * "Mmm dd hh:mm:ss" (day space-padded, no year, no zone). Real senders vary, so this parser is lenient as RFC 3164
 * §4.3 asks of relays: an RFC 3339 timestamp is accepted too, a missing hostname is allowed (local senders omit it),
 * and a message with no recognisable header is all MSG. The year is the receiver's, or last year when that would put
 * the message more than a day in the future; the zone is the receiver's.
 */

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const BSD_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: (\d{4}))?(?= |$)/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})(?= |$)/;
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)/;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

function bsdTimestamp(m: RegExpExecArray, receivedMs: number): number | null {
  const month = MONTHS[m[1]!];
  if (month === undefined) return null;
  const [day, h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  if (day < 1 || day > 31 || h > 23 || min > 59 || s > 60) return null;
  const ms = m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0;
  const at = (year: number) => new Date(year, month, day, h, min, s, ms).getTime();
  if (m[7]) return at(Number(m[7]));
  const year = new Date(receivedMs).getFullYear();
  const t = at(year);
  return t > receivedMs + ONE_DAY_MS ? at(year - 1) : t;
}

/** Parses `s` from `pos` (just past the PRI); never fails: what is not header is message. */
export function parseRfc3164(s: string, pos: number, out: SyslogMessage, receivedMs: number): void {
  out.format = 'rfc3164';
  let rest = s.slice(pos);
  let hasTime = false;
  const bsd = BSD_TIME.exec(rest);
  if (bsd) {
    out.timestamp = bsdTimestamp(bsd, receivedMs);
    rest = rest.slice(bsd[0].length + 1);
    hasTime = true;
  } else {
    const iso = ISO_TIME.exec(rest);
    if (iso) {
      const t = Date.parse(iso[0]);
      out.timestamp = Number.isNaN(t) ? null : t;
      rest = rest.slice(iso[0].length + 1);
      hasTime = true;
    }
  }
  if (hasTime) {
    // HOSTNAME, unless the next word is already the tag ("tag:" or "tag[pid]:").
    const sp = rest.indexOf(' ');
    const word = sp < 0 ? rest : rest.slice(0, sp);
    if (word !== '' && !TAG.test(sp < 0 ? rest : rest.slice(0, sp + 1))) {
      out.hostname = word;
      rest = sp < 0 ? '' : rest.slice(sp + 1);
    }
  }
  const tag = TAG.exec(rest);
  if (tag) {
    out.appName = tag[1]!;
    out.procId = tag[2] ?? null;
    rest = rest.slice(tag[0].length);
  }
  out.message = rest;
}

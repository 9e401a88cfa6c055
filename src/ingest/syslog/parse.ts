import { emptyMessage, type SyslogMessage } from './message.js';
import { parsePri } from './pri.js';
import { parseRfc3164 } from './rfc3164.js';
import { parseRfc5424 } from './rfc5424.js';

/**
 * Parses one syslog message, detecting the format: after the PRI, a version number and a space mean RFC 5424, anything
 * else is RFC 3164. Never throws: without a PRI, or when RFC 5424 fields break the grammar, `error` says why and
 * `message` is the whole text, so the caller can keep the raw line.
 */
export function parseSyslog(text: string, receivedMs: number): SyslogMessage {
  const out = emptyMessage(text);
  const pri = parsePri(text);
  if (!pri) {
    out.error = text.length === 0 ? 'empty message' : 'no PRI: a syslog message starts with <0-191>';
    return out;
  }
  out.facility = pri.facility;
  out.severity = pri.severity;
  if (/^[1-9]\d{0,2} /.test(text.slice(pri.end, pri.end + 4))) {
    try {
      parseRfc5424(text, pri.end, out);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      Object.assign(out, { timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message: text, error: e.message });
    }
    return out;
  }
  parseRfc3164(text, pri.end, out, receivedMs);
  return out;
}

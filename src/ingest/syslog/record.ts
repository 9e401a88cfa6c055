import type { AgentRecord } from '../../collect/record.js';
import { parseSyslog } from './parse.js';
import { FACILITIES, SEVERITIES, SEVERITY_LEVELS } from './pri.js';

/**
 * One received syslog message as a record. value = the message exactly as received (trailing newline or NUL removed),
 * key = the host (so one host's messages stay in order in one partition), timestamp = the message's, else receive
 * time. Headers: host (the message's HOSTNAME, else the sender's address), app, severity and facility (names),
 * level (FATAL/ERROR/WARN/INFO/DEBUG from the severity), procid and msgid when present, format (rfc3164/rfc5424),
 * remote (sender address) and parse_error when the message did not follow either RFC. Nothing is ever dropped.
 */
export function syslogRecord(raw: Buffer, remote: string, receivedMs: number, extraError?: string): AgentRecord {
  const m = parseSyslog(raw.toString('utf8'), receivedMs);
  const host = m.hostname ?? remote;
  const headers: Record<string, string> = { host };
  if (m.appName !== null) headers.app = m.appName;
  if (m.severity !== null) {
    headers.severity = SEVERITIES[m.severity]!;
    headers.facility = FACILITIES[m.facility!] ?? String(m.facility);
    headers.level = SEVERITY_LEVELS[m.severity]!;
  }
  if (m.procId !== null) headers.procid = m.procId;
  if (m.msgId !== null) headers.msgid = m.msgId;
  if (m.format !== null) headers.format = m.format;
  headers.remote = remote;
  const error = extraError ?? m.error;
  if (error !== null) headers.parse_error = error;
  return { value: raw, key: host, timestamp: m.timestamp ?? receivedMs, headers };
}

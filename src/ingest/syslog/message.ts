/** What the syslog parsers extract from one message. Fields are null when absent (or NILVALUE "-" in RFC 5424). */
export interface SyslogMessage {
  format: 'rfc3164' | 'rfc5424' | null;
  facility: number | null;
  severity: number | null;
  /** Milliseconds since the epoch, from the message; null when it has none or it is unreadable. */
  timestamp: number | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  /** RFC 5424 STRUCTURED-DATA exactly as sent (e.g. `[ex@32473 k="v"]`), null for "-". Kept in the record value. */
  structuredData: string | null;
  message: string;
  /** Why the message could not be parsed completely; the raw text is kept as the record value regardless. */
  error: string | null;
}

export function emptyMessage(message: string): SyslogMessage {
  return { format: null, facility: null, severity: null, timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message, error: null };
}

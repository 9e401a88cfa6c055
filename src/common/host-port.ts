import { InvalidValueError, quote } from './invalid-value.js';

/**
 * One HOST:PORT syntax and one default for every address Tributary reads: listeners (Kafka, syslog, HTTP ingest) and
 * bootstrap servers. Without a host (":9092" or "9092") the address is loopback, so nothing is exposed to the network
 * unless a host is written out; "0.0.0.0:9092" listens on every interface. (The Kafka listener's own default, used
 * when nothing is configured, is 0.0.0.0:9092 — that is the broker's choice, not this parser's.)
 */
export interface HostPort {
  host: string;
  port: number;
}

export const LOOPBACK_HOST = '127.0.0.1';

export interface HostPortOptions {
  /** Port 0 asks the OS for a free port: right for a listener, meaningless for a server to connect to. */
  allowPortZero?: boolean;
}

// host: a bracketed IPv6 literal, or a name/IPv4 without ':' or brackets or spaces; both optional.
const HOST_PORT = /^(?:(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^:[\]\s]+))?:)?(\d{1,5})$/;

/** "host:9092", "[::1]:9092", ":9092" or "9092" (the last two: 127.0.0.1). Throws InvalidValueError. */
export function parseHostPort(input: unknown, options: HostPortOptions = {}): HostPort {
  const text = typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : null;
  const m = text === null ? null : HOST_PORT.exec(text);
  if (!m) {
    throw new InvalidValueError(`${quote(input)} is not HOST:PORT; write it like 127.0.0.1:9092, [::1]:9092, or :9092 for loopback`, input);
  }
  const port = Number(m[3]);
  const min = options.allowPortZero ? 0 : 1;
  if (port < min || port > 65535) {
    throw new InvalidValueError(`port ${port} is out of range (${min}-65535) in ${quote(input)}; write HOST:PORT like 127.0.0.1:9092`, input);
  }
  return { host: m[1] ?? m[2] ?? LOOPBACK_HOST, port };
}

/** "host:port" for connecting and for log lines, with brackets around IPv6 hosts. */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

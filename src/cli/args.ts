// Parsers for command-line values. Each throws commander's InvalidArgumentError so a bad value becomes a one-line
// usage error (exit 2) that names the offending option, instead of a stack trace later on.
import { InvalidArgumentError } from 'commander';

export interface HostPort {
  host: string;
  port: number;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "15m", "2h", "1d", "1h30m", "500ms" → milliseconds. */
export function parseDuration(input: string): number {
  const text = input.trim();
  const part = /(\d+)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new InvalidArgumentError(`"${input}" is not a duration; use a number with a unit, e.g. 30s, 15m, 2h, 1d, 1h30m.`);
  }
  return total;
}

/**
 * --since: an ISO-8601 date/time, epoch milliseconds, or a duration meaning "that long ago".
 * `now` is a parameter so tests are deterministic.
 */
export function parseSince(input: string, now: number = Date.now()): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      throw new InvalidArgumentError(`"${input}" is not a valid ISO-8601 time, e.g. 2024-05-01T12:00:00Z.`);
    }
    return ms;
  }
  try {
    return now - parseDuration(text);
  } catch {
    throw new InvalidArgumentError(
      `"${input}" is not a time; use ISO-8601 (2024-05-01T12:00:00Z), epoch ms (1714564800000) or a duration ago (15m, 2h, 1d).`,
    );
  }
}

/** "k=v" → [k, v]. Only the first "=" splits, so values may contain "=". */
export function parseKeyValue(input: string): [string, string] {
  const eq = input.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${input}" is not key=value; write it as name=value.`);
  return [input.slice(0, eq), input.slice(eq + 1)];
}

/** Repeatable key=value option collector for commander; returns a new array so defaults are never mutated. */
export function collectKeyValue(input: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  return [...previous, parseKeyValue(input)];
}

/** "host:port", "[::1]:9092"; port 0 is allowed only where the caller says so (listening on an ephemeral port). */
export function parseHostPort(input: string, options: { allowPortZero?: boolean } = {}): HostPort {
  const text = input.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\s]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  const minPort = options.allowPortZero ? 0 : 1;
  if (!match || !Number.isInteger(port) || port < minPort || port > 65535) {
    throw new InvalidArgumentError(`"${input}" is not HOST:PORT; write it like localhost:9092.`);
  }
  return { host: match[1]!, port };
}

/** Bootstrap servers: one or more HOST:PORT separated by commas, as Kafka tools accept. */
export function parseBootstrap(input: string): string[] {
  const servers = input.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (servers.length === 0) throw new InvalidArgumentError('no bootstrap server given; write it like localhost:9092.');
  return servers.map((s) => {
    const { host, port } = parseHostPort(s);
    // kafkajs splits bootstrap addresses on ':', so an IPv6 literal cannot work; say so instead of failing oddly.
    if (host.includes(':')) throw new InvalidArgumentError(`"${s}": IPv6 addresses are not supported here; use a host name.`);
    return `${host}:${port}`;
  });
}

function parseIntegerAtLeast(input: string, min: number, what: string): number {
  const n = /^-?\d+$/.test(input.trim()) ? Number(input) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new InvalidArgumentError(`"${input}" is not ${what}.`);
  }
  return n;
}

export const parsePositiveInt = (input: string): number => parseIntegerAtLeast(input, 1, 'a whole number of at least 1');
export const parseNonNegativeInt = (input: string): number => parseIntegerAtLeast(input, 0, 'a whole number of at least 0');

/** Kafka's own topic-name rule, checked here so the user hears about it before any network round trip. */
export function parseTopicName(input: string): string {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(input) || input === '.' || input === '..') {
    throw new InvalidArgumentError(`"${input}" is not a valid topic name; use up to 249 of a-z A-Z 0-9 . _ -`);
  }
  return input;
}

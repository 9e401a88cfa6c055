// Parsers for command-line values. Each throws commander's InvalidArgumentError so a bad value becomes a one-line
// usage error (exit 2) that names the offending option, instead of a stack trace later on.
import { InvalidArgumentError } from 'commander';
import { parseDuration as parseDurationValue } from '../common/duration.js';
import { formatHostPort, parseHostPort as parseAddress, type HostPort, type HostPortOptions } from '../common/host-port.js';
import { InvalidValueError } from '../common/invalid-value.js';
import { parseTimeArg } from '../common/time-arg.js';
import { parseTopicName as parseTopicNameValue } from '../common/topic-name.js';

export type { HostPort };

/** The config kit's error (common/) as commander's usage error: exit 2, one line naming the option. */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidValueError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** "15m", "2h", "1d", "1h30m", "500ms" → milliseconds (common/duration.ts). */
export function parseDuration(input: string): number {
  return usage(() => parseDurationValue(input));
}

/**
 * --since: an ISO-8601 date/time, epoch milliseconds, or a duration meaning "that long ago".
 * `now` is a parameter so tests are deterministic.
 */
export function parseSince(input: string, now: number = Date.now()): number {
  return usage(() => parseTimeArg(input, now));
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

/** "host:port", "[::1]:9092", ":9092" (loopback); port 0 only where the caller allows it (listening on an ephemeral port). */
export function parseHostPort(input: string, options: HostPortOptions = {}): HostPort {
  return usage(() => parseAddress(input, options));
}

/** Bootstrap servers: one or more HOST:PORT separated by commas, as Kafka tools accept; returned as "host:port". */
export function parseBootstrap(input: string): string[] {
  const servers = input.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (servers.length === 0) throw new InvalidArgumentError('no bootstrap server given; write it like localhost:9092.');
  return servers.map((s) => formatHostPort(parseHostPort(s)));
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

/** Kafka's own topic-name rule (common/topic-name.ts), checked before any network round trip. */
export function parseTopicName(input: string): string {
  return usage(() => parseTopicNameValue(input));
}

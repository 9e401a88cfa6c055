import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collectKeyValue,
  parseBootstrap,
  parseDuration,
  parseHostPort,
  parseKeyValue,
  parseNonNegativeInt,
  parsePositiveInt,
  parseSince,
  parseTopicName,
} from '../../src/cli/args.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    [' 10m ', 600_000],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '15', 'm', '15x', '1.5h', '-5m', '15 m', '1h junk'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(InvalidArgumentError);
  });
});

describe('parseSince', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);

  it('reads relative durations as "that long ago"', () => {
    expect(parseSince('15m', now)).toBe(now - 15 * 60_000);
    expect(parseSince('2h', now)).toBe(now - 2 * 3_600_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
  });

  it('reads epoch milliseconds', () => {
    expect(parseSince('1714564800000', now)).toBe(1714564800000);
    expect(parseSince('0', now)).toBe(0);
  });

  it('reads ISO-8601 dates and times', () => {
    expect(parseSince('2024-05-01T12:00:00Z', now)).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseSince('2024-05-01T14:00:00+02:00', now)).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseSince('2024-05-01T12:00:00.250Z', now)).toBe(Date.UTC(2024, 4, 1, 12) + 250);
    expect(parseSince('2024-05-01', now)).toBe(Date.UTC(2024, 4, 1));
  });

  it.each(['yesterday', '2024-13-45T99:00:00Z', '', '5 minutes'])('rejects %j with a hint', (input) => {
    expect(() => parseSince(input, now)).toThrow(/ISO-8601|valid/);
  });
});

describe('parseKeyValue', () => {
  it('splits on the first "="', () => {
    expect(parseKeyValue('retention.ms=1000')).toEqual(['retention.ms', '1000']);
    expect(parseKeyValue('query=a=b')).toEqual(['query', 'a=b']);
    expect(parseKeyValue('empty=')).toEqual(['empty', '']);
  });

  it.each(['novalue', '=value', ''])('rejects %j', (input) => {
    expect(() => parseKeyValue(input)).toThrow(/key=value/);
  });

  it('collects repeated options without mutating the default', () => {
    const initial: Array<[string, string]> = [];
    const once = collectKeyValue('a=1', initial);
    const twice = collectKeyValue('a=2', once);
    expect(twice).toEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
    expect(initial).toEqual([]);
  });
});

describe('parseHostPort', () => {
  it('reads host:port, including bracketed IPv6', () => {
    expect(parseHostPort('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseHostPort('10.0.0.5:19092')).toEqual({ host: '10.0.0.5', port: 19092 });
    expect(parseHostPort('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
  });

  it('allows port 0 only when asked (listening on an ephemeral port)', () => {
    expect(() => parseHostPort('127.0.0.1:0')).toThrow(InvalidArgumentError);
    expect(parseHostPort('127.0.0.1:0', { allowPortZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('reads a missing host as loopback, as every HOST:PORT in Tributary does', () => {
    expect(parseHostPort(':9092')).toEqual({ host: '127.0.0.1', port: 9092 });
  });

  it.each(['localhost', 'localhost:', 'host:65536', 'host:port', '::1:9092', 'a b:1'])('rejects %j', (input) => {
    expect(() => parseHostPort(input)).toThrow(/HOST:PORT/);
  });
});

describe('parseBootstrap', () => {
  it('accepts a comma-separated list', () => {
    expect(parseBootstrap('a:1, b:2')).toEqual(['a:1', 'b:2']);
  });

  it('rejects an empty or malformed list', () => {
    expect(() => parseBootstrap(' , ')).toThrow(InvalidArgumentError);
    expect(() => parseBootstrap('a:1,b')).toThrow(/HOST:PORT/);
    // Our own client connects to IPv6 literals (kafkajs could not, so this used to be refused).
    expect(parseBootstrap('[::1]:9092')).toEqual(['[::1]:9092']);
  });
});

describe('numbers and topic names', () => {
  it('parses whole numbers within bounds', () => {
    expect(parsePositiveInt('3')).toBe(3);
    expect(parseNonNegativeInt('0')).toBe(0);
    expect(() => parsePositiveInt('0')).toThrow(InvalidArgumentError);
    expect(() => parseNonNegativeInt('-1')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInt('1.5')).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInt('ten')).toThrow(InvalidArgumentError);
  });

  it('accepts Kafka-legal topic names only', () => {
    expect(parseTopicName('app-logs.v1_2')).toBe('app-logs.v1_2');
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'x'.repeat(250)]) {
      expect(() => parseTopicName(bad)).toThrow(InvalidArgumentError);
    }
  });
});

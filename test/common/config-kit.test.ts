// The config kit: one HOST:PORT, duration, size and topic-name syntax for the CLI and every config file.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/common/duration.js';
import { formatHostPort, parseHostPort } from '../../src/common/host-port.js';
import { InvalidValueError } from '../../src/common/invalid-value.js';
import { AgentConfigError, checkKeys } from '../../src/agent/config.js';
import { ConfigError, loadBrokerConfig } from '../../src/broker/config.js';
import { parseBootstrap, parseTopicName as cliTopicName } from '../../src/cli/args.js';
import { IngestConfigError, parseIngestConfig } from '../../src/ingest/config.js';
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../../src/common/size.js';
import { MAX_TOPIC_NAME_LENGTH, parseTopicName, validateTopicName } from '../../src/common/topic-name.js';

/** The error the kit throws, for checking its type and message together. */
function failure(parse: () => unknown): InvalidValueError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidValueError);
    return err as InvalidValueError;
  }
  throw new Error('expected the parser to throw');
}

describe('parseHostPort', () => {
  it.each([
    ['localhost:9092', 'localhost', 9092],
    ['10.0.0.5:19092', '10.0.0.5', 19092],
    ['0.0.0.0:9092', '0.0.0.0', 9092],
    ['[::1]:9092', '::1', 9092],
    ['[fe80::1%eth0]:9092', 'fe80::1%eth0', 9092],
    ['  broker-1.example.com:9093 ', 'broker-1.example.com', 9093],
  ])('%j → %s %d', (input, host, port) => {
    expect(parseHostPort(input)).toEqual({ host, port });
  });

  it('reads a missing host as loopback, never as all interfaces', () => {
    expect(parseHostPort(':9092')).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseHostPort('9092')).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(parseHostPort(9092)).toEqual({ host: '127.0.0.1', port: 9092 });
  });

  it('allows port 0 only for listeners', () => {
    expect(failure(() => parseHostPort('127.0.0.1:0')).message).toBe('port 0 is out of range (1-65535) in "127.0.0.1:0"; write HOST:PORT like 127.0.0.1:9092');
    expect(parseHostPort('127.0.0.1:0', { allowPortZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(failure(() => parseHostPort('h:65536', { allowPortZero: true })).message).toBe('port 65536 is out of range (0-65535) in "h:65536"; write HOST:PORT like 127.0.0.1:9092');
  });

  it.each(['', 'localhost', 'localhost:', 'host:port', '::1:9092', 'a b:1', 'h:123456', '[]:1', '[::1:9092', null, true, {}])('rejects %j', (input) => {
    const err = failure(() => parseHostPort(input));
    expect(err.message).toMatch(/is not HOST:PORT; write it like 127\.0\.0\.1:9092, \[::1\]:9092, or :9092 for loopback$/);
    expect(err.input).toBe(input);
  });

  it('formats IPv6 hosts with brackets so the result parses back', () => {
    expect(formatHostPort({ host: '::1', port: 9092 })).toBe('[::1]:9092');
    expect(formatHostPort({ host: 'localhost', port: 9092 })).toBe('localhost:9092');
    expect(parseHostPort(formatHostPort({ host: '::1', port: 1 }))).toEqual({ host: '::1', port: 1 });
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1m500ms', 60_500],
    [' 10m ', 600_000],
    ['0s', 0],
  ])('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it('takes a bare number (from a config file) as milliseconds', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(['', '15', 'm', '15x', '1.5h', '-5m', '15 m', '1h junk', 'soon', -1, 1.5, null])('rejects %j and says how to write one', (input) => {
    expect(failure(() => parseDuration(input)).message).toMatch(/is not a duration; write a whole number with a unit, e\.g\. 500ms, 30s, 15m, 2h, 1d or 1h30m$/);
  });

  it('rejects a duration too long to count in milliseconds exactly', () => {
    expect(failure(() => parseDuration('99999999999999999999w')).message).toMatch(/too long a duration/);
  });

  it('reads a long hostile input in linear time (no backtracking)', () => {
    expect(() => parseDuration(`${'1h'.repeat(100_000)}x`)).toThrow(InvalidValueError);
  });
});

describe('parseSize', () => {
  it.each([
    ['256MiB', 256 * 1024 ** 2],
    ['1 GiB', 1024 ** 3],
    ['500MB', 500_000_000],
    ['500mb', 500_000_000],
    ['4096', 4096],
    ['2KiB', 2048],
    ['1.5KiB', 1536],
    ['1TB', 1e12],
    ['10b', 10],
  ])('%j → %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it('takes a bare number as bytes', () => {
    expect(parseSize(1_048_576)).toBe(1_048_576);
  });

  it.each(['', '12 parsecs', 'MiB', '-1', '1e6', '1,000', -5, 2.5, null])('rejects %j and says how to write one', (input) => {
    expect(failure(() => parseSize(input)).message).toMatch(/is not a size; write it like 256MiB, 1GiB, 500MB or a number of bytes$/);
  });

  it('rejects a size too large to count in bytes exactly', () => {
    expect(failure(() => parseSize('99999999999TiB')).message).toMatch(/too large a size/);
  });
});

describe('topic names', () => {
  it.each(['logs', 'app-logs.v1_2', 'a', 'x'.repeat(MAX_TOPIC_NAME_LENGTH), '...', '.a', '__consumer_offsets'])('accepts %j', (name) => {
    expect(validateTopicName(name)).toBeNull();
    expect(parseTopicName(name)).toBe(name);
  });

  it.each([
    ['', /^topic name is empty/],
    ['.', /^"\." is not a valid topic name: "\." and "\.\." are not allowed/],
    ['..', /^"\.\." is not a valid topic name: "\." and "\.\." are not allowed/],
    ['a b', /^"a b" is not a valid topic name: it contains characters other than a-z, A-Z, 0-9, "\.", "_" and "-"; rename it$/],
    ['a/b', /characters other than/],
    ['ünïcode', /characters other than/],
    ['x'.repeat(250), /is 250 characters long; shorten it to at most 249$/],
  ])('refuses %j with a reason', (name, reason) => {
    expect(validateTopicName(name)).toMatch(reason);
    expect(failure(() => parseTopicName(name)).message).toMatch(reason);
  });

  it('quotes at most the start of a very long name', () => {
    expect(validateTopicName('y'.repeat(100_000))!.length).toBeLessThan(200);
  });
});

// Every layer reads values through the kit and wraps its error into its own type.
describe('callers share one policy', () => {
  it('an explicit ":PORT" is loopback for the Kafka listener, ingest listeners, the agent and the CLI', () => {
    const broker = loadBrokerConfig({ kafka: ':9092', dataDir: '/tmp/unused' });
    expect(broker.listeners).toEqual([{ protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    expect(parseIngestConfig({ syslog: { udp: ':5514' } }).syslog!.udp).toEqual({ host: '127.0.0.1', port: 5514 });
    expect(checkKeys({ bootstrap: [':9092'] }, 'test').bootstrap).toEqual(['127.0.0.1:9092']);
    expect(parseBootstrap(':9092')).toEqual(['127.0.0.1:9092']);
  });

  it('secure by default: plaintext only on loopback, SASL_SSL on all interfaces', () => {
    const broker = loadBrokerConfig({ dataDir: '/tmp/unused' });
    expect(broker.listeners).toEqual([
      { protocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
      { protocol: 'SASL_SSL', host: '0.0.0.0', port: 9093 },
    ]);
    // --kafka HOST:PORT still means one plaintext listener, where the user puts it.
    expect(loadBrokerConfig({ dataDir: '/tmp/unused', kafka: '0.0.0.0:9092' }).listeners).toEqual([{ protocol: 'PLAINTEXT', host: '0.0.0.0', port: 9092 }]);
  });

  it('".." is refused as a topic name by the agent, ingest and the CLI alike', () => {
    expect(() => checkKeys({ topic: '..' }, 'test')).toThrow(AgentConfigError);
    expect(() => checkKeys({ metricsTopic: '.' }, 'test')).toThrow(/not a valid topic name/);
    expect(() => parseIngestConfig({ syslog: { udp: true, topic: '..' } })).toThrow(IngestConfigError);
    expect(() => cliTopicName('..')).toThrow(InvalidArgumentError);
  });

  it('bad values become each caller\'s own error type, naming the key', () => {
    expect(() => loadBrokerConfig({ kafka: 'nohost', dataDir: '/tmp/unused' })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ kafka: 'nohost', dataDir: '/tmp/unused' })).toThrow(/^kafka listener: "nohost" is not HOST:PORT/);
    expect(() => checkKeys({ bootstrap: ['nohost'] }, 'test')).toThrow(/bootstrap: "nohost" is not HOST:PORT/);
    expect(() => checkKeys({ maxBufferBytes: '12 parsecs' }, 'test')).toThrow(/"12 parsecs" is not a size/);
    expect(() => parseIngestConfig({ prometheus: { targets: [{ url: 'http://x', interval: '1.5s' }] } })).toThrow(
      /ingest\.prometheus\.targets\[0\]\.interval: "1\.5s" is not a duration/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { detectLevel, parseTimestamp } from '../../../src/collect/tail/index.js';
import { parseJsonLine } from '../../../src/collect/tail/json-line.js';
import { RecordBuilder } from '../../../src/collect/tail/record-builder.js';

const NOW = new Date(2024, 5, 15, 10, 0, 0).getTime(); // mid-June, local time
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();

describe('parseTimestamp', () => {
  it.each([
    ['2024-05-01T12:00:00Z start', Date.UTC(2024, 4, 1, 12, 0, 0)],
    ['2024-05-01T12:00:00.123Z x', Date.UTC(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01T12:00:00.123456789+02:00 x', Date.UTC(2024, 4, 1, 10, 0, 0, 123)],
    ['2024-05-01T12:00:00-0530 x', Date.UTC(2024, 4, 1, 17, 30, 0)],
    ['[2024-05-01 12:00:00 +01] x', Date.UTC(2024, 4, 1, 11, 0, 0)],
    ['level=info ts=2024-05-01T12:00:00.5Z msg=hi', Date.UTC(2024, 4, 1, 12, 0, 0, 500)],
    ['127.0.0.1 - frank [01/May/2024:12:00:00 +0000] "GET / HTTP/1.1" 200', Date.UTC(2024, 4, 1, 12, 0, 0)],
    ['10.0.0.1 - - [01/May/2024:14:30:05 +0200] "POST /x HTTP/2.0" 201', Date.UTC(2024, 4, 1, 12, 30, 5)],
  ])('%s', (line, want) => {
    expect(parseTimestamp(line, NOW)).toBe(want);
  });

  it('reads zone-less timestamps as local time (log4j, Python logging, Go log)', () => {
    expect(parseTimestamp('2024-05-01 12:00:00,123 ERROR [main] boom', NOW)).toBe(local(2024, 5, 1, 12, 0, 0, 123));
    expect(parseTimestamp('2024-05-01 12:00:00.5 INFO x', NOW)).toBe(local(2024, 5, 1, 12, 0, 0, 500));
    expect(parseTimestamp('2024/05/01 12:00:00 listening', NOW)).toBe(local(2024, 5, 1, 12, 0, 0));
  });

  it('reads syslog timestamps in the current year, or last year when that would be in the future', () => {
    expect(parseTimestamp('May  1 12:00:00 host sshd[1]: accepted', NOW)).toBe(local(2024, 5, 1, 12, 0, 0));
    expect(parseTimestamp('Jun 15 09:59:59 host cron[2]: ok', NOW)).toBe(local(2024, 6, 15, 9, 59, 59));
    expect(parseTimestamp('<34>Oct 11 22:14:15 mymachine su: failed', NOW)).toBe(local(2023, 10, 11, 22, 14, 15));
    expect(parseTimestamp('Dec 31 23:59:59 host x', new Date(2025, 0, 1, 0, 0, 5).getTime())).toBe(local(2024, 12, 31, 23, 59, 59));
  });

  it('finds nothing in lines without a timestamp, or with invalid dates', () => {
    for (const line of ['hello world', '000123 line payload', '12345', 'Mayday 1 12:00:00', '2024-13-01T12:00:00Z', '2024-05-01T25:00:00Z', '', 'GET /2024-05-01']) {
      expect(parseTimestamp(line, NOW), line).toBeUndefined();
    }
  });
});

describe('detectLevel', () => {
  it.each([
    ['2024-05-01 12:00:00,123 ERROR [main] c.e.App - boom', 'ERROR'],
    ['2024-05-01 12:00:00 WARN something', 'WARN'],
    ['WARNING:root:disk almost full', 'WARN'],
    ['[2024-05-01T12:00:00Z] INFO started', 'INFO'],
    ['12:00:00 DEBUG cache miss', 'DEBUG'],
    ['TRACE entering f()', 'TRACE'],
    ['FATAL out of memory', 'FATAL'],
    ['<3>ERR something', 'ERROR'],
    ['May  1 12:00:00 host app: CRIT disk failure', 'FATAL'],
    ['E0501 12:00:00.123456    1234 server.go:42] failed to bind', 'ERROR'],
    ['W0501 12:00:00.123456    1234 server.go:42] slow', 'WARN'],
    ['I0501 12:00:00.123456    1234 server.go:42] ok', 'INFO'],
    ['time=2024-05-01T12:00:00Z level=warn msg="slow"', 'WARN'],
    ['ts=1 lvl=error msg=x', 'ERROR'],
    ['2024-05-01 [info] started', 'INFO'],
    ['<debug> x', 'DEBUG'],
    ['SEVERE: connection lost', 'ERROR'],
  ])('%s → %s', (line, want) => {
    expect(detectLevel(line)).toBe(want);
  });

  it('does not take words in the message for a level', () => {
    for (const line of ['no error occurred', 'the information desk', 'ERRORS=0 ok', 'INFORMATIVE_X', 'user said warning', 'Error handling is fine']) {
      expect(detectLevel(line), line).toBeUndefined();
    }
  });
});

describe('JSON lines', () => {
  it('takes timestamp and level from common fields', () => {
    expect(parseJsonLine('{"time":"2024-05-01T12:00:00Z","level":"warning","msg":"x"}', NOW)).toEqual({ timestamp: Date.UTC(2024, 4, 1, 12), level: 'WARN' });
    expect(parseJsonLine('{"@timestamp":"2024-05-01T12:00:00.250Z","log":{"level":"error"}}', NOW)).toEqual({ timestamp: Date.UTC(2024, 4, 1, 12, 0, 0, 250), level: 'ERROR' });
    expect(parseJsonLine('{"level":30,"time":1714564800123,"msg":"pino"}', NOW)).toEqual({ timestamp: 1714564800123, level: 'INFO' });
    expect(parseJsonLine('{"ts":1714564800.5,"severity":"CRITICAL"}', NOW)).toEqual({ timestamp: 1714564800500, level: 'FATAL' });
    expect(parseJsonLine('{"timestamp":1714564800000000,"lvl":"dbg"}', NOW)).toEqual({ timestamp: 1714564800000, level: 'DEBUG' });
    expect(parseJsonLine('{"timestamp":"1714564800","msg":"x"}', NOW)).toEqual({ timestamp: 1714564800000 });
    expect(parseJsonLine('{"msg":"no fields"}', NOW)).toEqual({});
  });

  it('leaves lines that are not JSON objects to the text parsers', () => {
    for (const line of ['[1,2]', '{not json}', '{"a":1', 'plain', '"string"']) expect(parseJsonLine(line, NOW), line).toBeUndefined();
  });

  it('keeps the JSON text as-is in the record', () => {
    const b = new RecordBuilder({ host: 'h', agentName: 'a', parse: { json: true, level: true, timestamp: true } });
    const line = '{"time":"2024-05-01T12:00:00Z", "level":"error","msg":"disk full","n":1.50}';
    const r = b.build(line, '/p', 'id', 99, NOW);
    expect(r.value).toBe(line);
    expect(r.timestamp).toBe(Date.UTC(2024, 4, 1, 12));
    expect(r.headers).toEqual({ host: 'h', agent: 'a', path: '/p', level: 'ERROR' });
    // A JSON line's message text is not scanned for level words.
    expect(b.build('{"msg":"ERROR in text"}', '/p', 'id', 1, NOW).headers.level).toBeUndefined();
    // Not JSON: text parsing applies.
    const t = b.build('2024-05-01T12:00:00Z WARN x', '/p', 'id', 1, NOW);
    expect([t.timestamp, t.headers.level]).toEqual([Date.UTC(2024, 4, 1, 12), 'WARN']);
  });

  it('uses the read time and no level when parsing finds nothing or is off', () => {
    const off = new RecordBuilder({ host: 'h', agentName: 'a', parse: { json: false, level: false, timestamp: false } });
    const r = off.build('2024-05-01T12:00:00Z ERROR x', '/p', 'id', 1, NOW);
    expect(r.timestamp).toBe(NOW);
    expect(r.headers.level).toBeUndefined();
  });
});

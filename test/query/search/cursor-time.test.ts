// Cursor encoding and the time bounds the API takes.
import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor, parseTimeBound, SearchError } from '../../../src/query/search/index.js';

describe('search cursor', () => {
  it('round-trips the query, order, resolved range and positions (open ends included)', () => {
    const c = { query: 'level:error "db down"', order: 'newest' as const, from: 1_700_000_000_000, to: Infinity, positions: [{ topic: 'a', partition: 0, lo: 5, hi: 900 }, { topic: 'b.c', partition: 3, lo: 0, hi: 0 }] };
    expect(decodeSearchCursor(encodeSearchCursor(c))).toEqual(c);
    const open = { ...c, from: -Infinity, order: 'oldest' as const };
    expect(decodeSearchCursor(encodeSearchCursor(open))).toEqual(open);
  });

  it('refuses what it did not write, saying what to do', () => {
    for (const bad of ['', 'x', Buffer.from('{"v":2}').toString('base64url'), Buffer.from('{"v":1,"q":"","o":"n","f":null,"t":null,"p":[["a",-1,0,0]]}').toString('base64url')]) {
      expect(() => decodeSearchCursor(bad)).toThrow(SearchError);
      expect(() => decodeSearchCursor(bad)).toThrow(/pass back the cursor/);
    }
  });
});

describe('time bounds', () => {
  const now = Date.UTC(2026, 0, 2, 12, 0, 0);
  it('takes ISO-8601, epoch ms, and durations ago', () => {
    expect(parseTimeBound('2026-01-02T11:00:00Z', now)).toBe(now - 3_600_000);
    expect(parseTimeBound('2026-01-02', now)).toBe(Date.UTC(2026, 0, 2));
    expect(parseTimeBound(String(now - 5), now)).toBe(now - 5);
    expect(parseTimeBound('15m', now)).toBe(now - 900_000);
    expect(parseTimeBound('2h', now)).toBe(now - 7_200_000);
    expect(parseTimeBound('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseTimeBound('1h30m', now)).toBe(now - 5_400_000);
  });

  it('refuses anything else with the accepted forms', () => {
    for (const bad of ['yesterday', '15 minutes', '2026-13-45T99', '-5m']) expect(() => parseTimeBound(bad, now)).toThrow(/ISO-8601/);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/query/browse/index.js';

describe('browse cursors', () => {
  it('round-trip, and refuse anything this server did not write', () => {
    const c = { topic: 'web', direction: 'backward' as const, positions: new Map([[2, 10], [0, 7]]) };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    const bad = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString('base64url');
    for (const text of ['', 'not base64 json', bad({ v: 2, t: 'x', d: 'f', p: [[0, 1]] }), bad({ v: 1, t: 'x', d: 'f', p: [] }), bad({ v: 1, t: 'x', d: 'f', p: [[0, -1]] }), bad({ v: 1, t: 'x', d: 'f', p: [[0.5, 1]] }), 'x'.repeat(70_000)]) {
      expect(() => decodeCursor(text), text.slice(0, 20)).toThrow(/invalid cursor/);
    }
  });
});


// Reads while a seal pass writes the hours they cover: every hour comes from memory or from its parts on disk, never
// half from each, and the answers are those of the points written.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, HOUR, openLogs, openStore, tempDir } from './helpers.js';

const ns = (t: number) => `${t}000000`;
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('reads during a seal pass', () => {
  it('answer as written while the hours of two days are sealed one after the other', async () => {
    const dir = tempDir();
    const logs = await openLogs(dir);
    const store = await openStore(path.join(dir, '__metrics'), logs, { latenessMs: 0 });
    const HOURS = 40;
    const SERIES = 30;
    const first = Math.floor(Date.now() / HOUR) * HOUR - (HOURS + 2) * HOUR;
    const value = (s: number, h: number, i: number) => s * 1000 + h * 12 + i;
    for (let h = 0; h < HOURS; h++) {
      const lines: string[] = [];
      for (let s = 0; s < SERIES; s++) for (let i = 0; i < 12; i++) lines.push(`sq,host=h${s} v=${value(s, h, i)} ${ns(first + h * HOUR + i * 300_000)}`);
      append(logs, 'metrics', lines, { header: true });
    }
    await store.caughtUp();
    const ids = Array.from({ length: SERIES }, (_, s) => store.select('sq', 'v', [{ key: 'host', op: '=', value: `h${s}` }])[0]!.id);
    const from = first;
    const to = first + HOURS * HOUR;
    // By hand: 12 points an hour, their sum, the last one.
    const expectRows = () => {
      const rows = store.readRollupsMany(ids, '1h', from, to);
      rows.forEach((r, s) => {
        expect([...r.timestamps]).toEqual(Array.from({ length: HOURS }, (_, h) => first + h * HOUR));
        expect([...r.count]).toEqual(Array(HOURS).fill(12));
        expect([...r.sum]).toEqual(Array.from({ length: HOURS }, (_, h) => 12 * value(s, h, 0) + 66));
        expect([...r.last]).toEqual(Array.from({ length: HOURS }, (_, h) => value(s, h, 11)));
      });
      const raw = store.readRawMany([ids[7]!], from, to)[0]!;
      expect(raw.timestamps.length).toBe(HOURS * 12);
      expect(raw.values[HOURS * 12 - 1]).toBe(value(7, HOURS - 1, 11));
    };
    const rawParts = () => Array.from({ length: HOURS }, (_, h) => fs.existsSync(path.join(dir, '__metrics', 'raw', `${first + h * HOUR}.part`))).filter(Boolean).length;
    expectRows();
    // Passes until every hour is on disk (the store's own timer may have started one): read at every turn of the
    // event loop a pass leaves, bounded in turns and time.
    let midPass = 0;
    const deadline = Date.now() + 60_000;
    for (let turns = 0; rawParts() < HOURS && turns < 200_000 && Date.now() < deadline; ) {
      let done = false;
      const pass = store.seal().then(() => (done = true));
      while (!done && turns < 200_000) {
        await turn();
        turns++;
        const n = rawParts();
        if (n > 0 && n < HOURS && !done) midPass++;
        expectRows();
      }
      await pass;
    }
    expect(rawParts()).toBe(HOURS);
    // Reads ran while some of the hours were on disk and others still only in memory.
    expect(midPass).toBeGreaterThan(0);
    expectRows();
  });
});

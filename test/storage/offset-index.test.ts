import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { OffsetIndex } from '../../src/storage/offset-index.js';
import { appendBatch, concat, makeBatch, openManager, tempDir } from './helpers.js';

function readIndexFile(file: string): { offset: number; position: number }[] {
  const buf = fs.readFileSync(file);
  const out = [];
  for (let i = 0; i < buf.length; i += 8) out.push({ offset: buf.readInt32BE(i), position: buf.readInt32BE(i + 4) });
  return out;
}

describe('OffsetIndex', () => {
  it('finds the last entry at or before an offset', () => {
    const dir = tempDir();
    const idx = OffsetIndex.create(path.join(dir, 'x.index'), 1000, 100);
    expect(idx.lookup(1005)).toBe(0);
    idx.append(1010, 500);
    idx.append(1020, 1000);
    idx.append(1030, 1500);
    expect(idx.lookup(1000)).toBe(0);
    expect(idx.lookup(1009)).toBe(0);
    expect(idx.lookup(1010)).toBe(500);
    expect(idx.lookup(1025)).toBe(1000);
    expect(idx.lookup(99999)).toBe(1500);
    expect(idx.lastEntry()).toEqual({ offset: 1030, position: 1500 });
  });

  it('persists only new entries, big-endian relative offsets, and loads them back', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.index');
    const idx = OffsetIndex.create(file, 1000, 100);
    idx.append(1010, 500);
    idx.persist();
    idx.append(1020, 1000);
    idx.persist();
    expect(readIndexFile(file)).toEqual([
      { offset: 10, position: 500 },
      { offset: 20, position: 1000 },
    ]);
    const back = OffsetIndex.load(file, 1000, 100, 2000)!;
    expect(back.entries).toBe(2);
    expect(back.lookup(1021)).toBe(1000);
  });

  it('refuses an index that points past the log or is out of order', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.index');
    const idx = OffsetIndex.create(file, 0, 100);
    idx.append(10, 500);
    idx.persist();
    expect(OffsetIndex.load(file, 0, 100, 400)).toBeNull();
    fs.writeFileSync(file, Buffer.alloc(7));
    expect(OffsetIndex.load(file, 0, 100, 400)).toBeNull();
  });

  it('is full at segment.index.bytes / 8 entries', () => {
    const idx = OffsetIndex.create('/nonexistent', 0, 2);
    idx.append(1, 1);
    expect(idx.isFull).toBe(false);
    idx.append(2, 2);
    expect(idx.isFull).toBe(true);
  });
});

describe('sparse offset index in a partition', () => {
  it('adds one entry per index.interval.bytes, each pointing at the start of its batch', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 1, { 'index.interval.bytes': '2000' });
    const log = m.partition('t', 0)!;
    const batch = makeBatch(4); // ~560 bytes
    for (let i = 0; i < 40; i++) appendBatch(log, Buffer.from(batch));
    await log.flush();
    const entries = readIndexFile(path.join(dataDir, 't-0', '00000000000000000000.index'));
    // An entry once at least 2000 bytes were written since the previous one.
    const every = Math.ceil(2000 / batch.length);
    expect(entries.length).toBe(Math.floor((40 - 1) / every));
    const file = fs.readFileSync(path.join(dataDir, 't-0', '00000000000000000000.log'));
    for (const e of entries) {
      expect(e.position % batch.length).toBe(0);
      expect(readBatchHeader(file, e.position).baseOffset).toBe(e.offset);
    }
    // Every offset reads back from the right batch through the index.
    for (const off of [0, 1, 17, 55, 100, 159]) {
      const r = await log.read(off, 1);
      const first = decodeBatches(concat(r.chunks))[0]!;
      expect(first.header.baseOffset).toBe(off - (off % 4));
    }
  });

  it('writes index entries at flush, not per append', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('t', 1, { 'index.interval.bytes': '0', 'flush.ms': '-1' });
    const log = m.partition('t', 0)!;
    const file = path.join(dataDir, 't-0', '00000000000000000000.index');
    for (let i = 0; i < 5; i++) appendBatch(log, makeBatch(1));
    const before = fs.existsSync(file) ? fs.statSync(file).size : 0;
    expect(before).toBe(0);
    await log.flush();
    expect(fs.statSync(file).size).toBe(5 * 8);
  });

  it('continues the sparse index correctly after a clean restart', async () => {
    const dataDir = tempDir();
    let m = await openManager(dataDir);
    m.createTopic('t', 1, { 'index.interval.bytes': '1500' });
    const batch = makeBatch(4);
    for (let i = 0; i < 7; i++) appendBatch(m.partition('t', 0)!, Buffer.from(batch));
    await m.close();
    m = await openManager(dataDir);
    const log = m.partition('t', 0)!;
    expect(log.logEndOffset).toBe(28);
    for (let i = 0; i < 7; i++) expect(appendBatch(log, Buffer.from(batch)).baseOffset).toBe(28 + 4 * i);
    await log.flush();
    const entries = readIndexFile(path.join(dataDir, 't-0', '00000000000000000000.index'));
    const file = fs.readFileSync(path.join(dataDir, 't-0', '00000000000000000000.log'));
    // Same spacing as if there had been no restart.
    const every = Math.ceil(1500 / batch.length);
    expect(entries.map((e) => e.offset)).toEqual(Array.from({ length: Math.floor(13 / every) }, (_, i) => (i + 1) * every * 4));
    for (const e of entries) expect(readBatchHeader(file, e.position).baseOffset).toBe(e.offset);
  });
});

// The disk buffer: frames come back in order with their fields, survive reopening, a torn tail (the agent died while
// appending) is cut without losing what came before, acknowledged segments are deleted, and the cursor persists.
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/common/logger.js';
import { BatchBuilder } from '../../../src/agent/shipper/batch-builder.js';
import { Spool, type SpoolEntry, type SpoolFrame } from '../../../src/agent/shipper/spool.js';
import { decodeRecords } from '../../../src/protocol/record-decoder.js';

const tmp = mkdtempSync(join(tmpdir(), 'tributary-spool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const logged: string[] = [];
const logger: Logger = { debug: () => {}, info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) };

function frame(n: number, count = 10, partition = -1): SpoolFrame {
  const b = new BatchBuilder(1 << 20, 10_000);
  for (let i = 0; i < count; i++) b.append({ key: 'k', value: `frame ${n} record ${i}`, timestamp: n, headers: {} });
  return { topic: 'logs', partition, producerId: partition >= 0 ? 5 : -1, producerEpoch: partition >= 0 ? 0 : -1, baseSequence: partition >= 0 ? n * count : -1, batch: b.seal() };
}

async function readAll(spool: Spool): Promise<SpoolEntry[]> {
  const out: SpoolEntry[] = [];
  for (let e = await spool.read(); e; e = await spool.read()) out.push(e);
  return out;
}

const firstValue = (e: SpoolEntry) => decodeRecords(e.frame.batch)[0]!.value!.toString();

describe('Spool', () => {
  it('reads frames back in order with their fields, across segments and a reopen', async () => {
    const dir = join(tmp, 'order');
    const spool = await Spool.open(dir, { segmentBytes: 2048, logger });
    await Promise.all([spool.append([frame(0), frame(1, 10, 3)]), spool.append([frame(2)])]);
    for (let i = 3; i < 20; i++) await spool.append([frame(i)]);
    expect(spool.records).toBe(200);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spool')).length).toBeGreaterThan(1);
    const entries = await readAll(spool);
    expect(entries.map(firstValue)).toEqual(Array.from({ length: 20 }, (_, i) => `frame ${i} record 0`));
    expect(entries[1]!.frame).toMatchObject({ topic: 'logs', partition: 3, producerId: 5, producerEpoch: 0, baseSequence: 10 });
    expect(spool.caughtUp).toBe(true);
    await spool.close();

    const again = await Spool.open(dir, { segmentBytes: 2048, logger });
    expect(again.records).toBe(200); // nothing was acknowledged
    expect((await readAll(again)).map(firstValue)).toEqual(entries.map(firstValue));
    await again.close();
  });

  it('acknowledging moves a persisted cursor and deletes the segments behind it', async () => {
    const dir = join(tmp, 'ack');
    const spool = await Spool.open(dir, { segmentBytes: 1024, logger });
    for (let i = 0; i < 12; i++) await spool.append([frame(i)]);
    const segmentsBefore = readdirSync(dir).filter((f) => f.endsWith('.spool')).length;
    const entries = await readAll(spool);
    for (const e of entries.slice(0, 8)) spool.acknowledge(e.end, e.records, e.bytes);
    expect(spool.records).toBe(40);
    await spool.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.spool')).length).toBeLessThan(segmentsBefore);

    const reopened = await Spool.open(dir, { segmentBytes: 1024, logger });
    expect(reopened.records).toBe(40);
    expect((await readAll(reopened)).map(firstValue)).toEqual(['frame 8 record 0', 'frame 9 record 0', 'frame 10 record 0', 'frame 11 record 0']);
    await reopened.close();
  });

  it('cuts a torn tail on open and keeps every complete frame before it', async () => {
    const dir = join(tmp, 'torn');
    const spool = await Spool.open(dir, { segmentBytes: 1 << 20, logger });
    for (let i = 0; i < 5; i++) await spool.append([frame(i)]);
    await spool.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.spool'))!);
    const size = statSync(segment).size;
    appendFileSync(segment, Buffer.from([0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3])); // a frame header and a few bytes
    logged.length = 0;
    const reopened = await Spool.open(dir, { segmentBytes: 1 << 20, logger });
    expect(statSync(segment).size).toBe(size);
    expect(logged.join('\n')).toMatch(/cut a torn tail of 11 B/);
    expect((await readAll(reopened)).map(firstValue)).toEqual(Array.from({ length: 5 }, (_, i) => `frame ${i} record 0`));
    await reopened.append([frame(5)]); // appends continue after the cut
    expect(firstValue((await reopened.read())!)).toBe('frame 5 record 0');
    await reopened.close();
  });

  it('counts queued appends in bytes at once (so the bound applies before the fsync completes)', async () => {
    const spool = await Spool.open(join(tmp, 'bytes'), { segmentBytes: 1 << 20, logger });
    const pending = spool.append([frame(0, 100)]);
    expect(spool.bytes).toBeGreaterThan(1000);
    expect(spool.isEmpty).toBe(false);
    await pending;
    expect(spool.isEmpty).toBe(false);
    const e = (await spool.read())!;
    spool.acknowledge(e.end, e.records, e.bytes);
    expect(spool.bytes).toBe(0);
    expect(spool.isEmpty).toBe(true);
    await spool.close();
  });
});

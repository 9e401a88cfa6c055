// A batch whose CRC is right but whose records are not (the broker never decodes records, so a broken producer can
// store one) is shown as one stand-in record saying why, between the records around it; browsing does not fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseTopic } from '../../../src/query/browse/index.js';
import { UNDECODABLE_HEADER } from '../../../src/query/browse/partition-stream.js';
import { buildRecordBatch } from '../../../src/protocol/record-batch-builder.js';
import { BATCH_HEADER_SIZE, BATCH_OFFSET_CRC, computeBatchCrc, readBatchHeader } from '../../../src/protocol/record-batch.js';
import { LogManager } from '../../../src/storage/index.js';

let logs: LogManager;
const dir = mkdtempSync(join(tmpdir(), 'tributary-undecodable-'));
beforeAll(async () => {
  logs = await LogManager.open({ dataDir: dir });
  logs.createTopic('t', 1);
  const log = logs.partition('t', 0)!;
  const append = (b: Buffer) => log.append(b, readBatchHeader(b));
  append(buildRecordBatch([{ value: 'before' }]));
  const broken = buildRecordBatch([{ value: 'a' }, { value: 'b' }]);
  broken[BATCH_HEADER_SIZE] = 0x7e; // the first record's length varint now runs past the batch
  broken.writeUInt32BE(computeBatchCrc(broken, 0, broken.length), BATCH_OFFSET_CRC);
  append(broken);
  append(buildRecordBatch([{ value: 'after' }]));
});
afterAll(async () => {
  await logs.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an undecodable batch', () => {
  it.each(['forward', 'backward'] as const)('is one stand-in record when reading %s', async (direction) => {
    const page = await browseTopic(logs, { topic: 't', seek: { from: direction === 'forward' ? 'oldest' : 'newest' }, direction, limit: 10 });
    const shown = page.records.map((r) => (r.value ? r.value.toString() : `${r.offset}: ${r.headers[0]![0]}`));
    const expected = ['before', `1: ${UNDECODABLE_HEADER}`, 'after'];
    expect(shown).toEqual(direction === 'forward' ? expected : expected.reverse());
    const standIn = page.records.find((r) => r.value === null)!;
    expect(standIn.headers[0]![1]!.toString()).toMatch(/the 2 record\(s\) at offsets 1 to 2 cannot be decoded/);
  });
});

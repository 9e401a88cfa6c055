// Batches copied from another cluster keep their offsets (as a follower replica's do): stored byte for byte, the log
// starts where the source's first batch starts, offsets may jump forward, and all of it survives a clean restart and
// a crash (recovery accepts the gaps); a batch below the end is refused.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBatchHeader } from '../../src/protocol/record-batch.js';
import { decodeBatches } from '../../src/protocol/record-decoder.js';
import { StorageError } from '../../src/storage/index.js';
import { concat, makeBatch, openManager, removeCleanMarker, segmentFiles, tempDir } from './helpers.js';

const copied = (n: number, baseOffset: number, prefix = 'c') => makeBatch(n, { baseOffset, prefix, timestamp: 1_700_000_000_000 + baseOffset });

async function offsetsOf(m: Awaited<ReturnType<typeof openManager>>, from: number) {
  const log = m.partition('mirror', 0)!;
  const r = await log.read(from, 1 << 20);
  return decodeBatches(concat(r.chunks)).flatMap((b) => b.records.map((x) => [x.offset, x.value!.toString().split('.')[0]]));
}

describe('PartitionLog.appendCopied', () => {
  it('keeps the source offsets, starting an empty log at the first one, with jumps forward', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('mirror', 1, {});
    const log = m.partition('mirror', 0)!;
    const first = copied(3, 1000);
    const original = Buffer.from(first);
    log.appendCopied(first, readBatchHeader(first));
    expect([log.logStartOffset, log.logEndOffset]).toEqual([1000, 1003]);
    expect(segmentFiles(path.join(dataDir, 'mirror-0'))).toEqual(['00000000000000001000.log']);
    const r = await log.read(1000, 1 << 20);
    expect(concat(r.chunks).equals(original)).toBe(true); // stored as received
    const later = copied(2, 1010, 'd');
    log.appendCopied(later, readBatchHeader(later));
    expect(log.logEndOffset).toBe(1012);
    expect(await offsetsOf(m, 1000)).toEqual([[1000, 'c0'], [1001, 'c1'], [1002, 'c2'], [1010, 'd0'], [1011, 'd1']]);
    // A fetch at an offset inside the gap gets the batch after it, as from a compacted Kafka log.
    expect((await offsetsOf(m, 1005)).map(([o]) => o)).toEqual([1010, 1011]);
    const stale = copied(1, 1011);
    expect(() => log.appendCopied(stale, readBatchHeader(stale))).toThrow(StorageError);
    expect(log.logEndOffset).toBe(1012);
  });

  it('survives a clean restart and a crash with the same offsets', async () => {
    const dataDir = tempDir();
    let m = await openManager(dataDir);
    m.createTopic('mirror', 1, {});
    for (const [n, base] of [[2, 500], [3, 600], [1, 700]] as const) {
      const b = copied(n, base);
      m.partition('mirror', 0)!.appendCopied(b, readBatchHeader(b));
    }
    await m.partition('mirror', 0)!.flush();
    await m.close();
    m = await openManager(dataDir);
    expect([m.partition('mirror', 0)!.logStartOffset, m.partition('mirror', 0)!.logEndOffset]).toEqual([500, 701]);
    await m.close();
    removeCleanMarker(dataDir);
    m = await openManager(dataDir);
    const log = m.partition('mirror', 0)!;
    expect([log.logStartOffset, log.logEndOffset]).toEqual([500, 701]);
    expect((await offsetsOf(m, 500)).map(([o]) => o)).toEqual([500, 501, 600, 601, 602, 700]);
  });
});

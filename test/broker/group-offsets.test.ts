// Committed offsets squared with the logs: a group ahead of its log after a power cut (the log is fsynced every
// flush.ms, commits at once) is moved back to the log end on start; offsets of a deleted topic never reach a topic
// created again under the same name; a store that cannot write answers commits with COORDINATOR_NOT_AVAILABLE.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCoordinator } from '../../src/broker/groups/group-coordinator.js';
import { GroupOffsets, type CommitRequest } from '../../src/broker/groups/group-offsets.js';
import { OffsetStore } from '../../src/broker/groups/offset-store.js';
import { errorCode } from '../../src/protocol/errors.js';
import type { LogManager } from '../../src/storage/index.js';
import { appendBatch, captureLogger, makeBatch, openManager, removeCleanMarker, tempDir, type CapturedLogger } from '../storage/helpers.js';

const opened: { coordinator: GroupCoordinator; store: OffsetStore }[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const o of opened.splice(0)) {
    o.coordinator.shutdown();
    o.store.close();
  }
});

/** The broker's wiring of the committed-offset side, over `logs`. */
function offsetsOver(dataDir: string, logs: LogManager, log: CapturedLogger = captureLogger()): { offsets: GroupOffsets; store: OffsetStore; log: CapturedLogger } {
  const coordinator = new GroupCoordinator({ minSessionTimeoutMs: 10, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: 10, groupMaxSize: 100, maxGroups: 100 }, log);
  const store = OffsetStore.open(path.join(dataDir, '__meta'), log);
  opened.push({ coordinator, store });
  return { offsets: new GroupOffsets(coordinator, store, logs, log), store, log };
}

function closeOffsets(store: OffsetStore): void {
  const i = opened.findIndex((o) => o.store === store);
  opened[i]!.coordinator.shutdown();
  store.close();
  opened.splice(i, 1);
}

/** An OffsetCommit from a simple consumer (generation -1), as kcat or an admin tool sends it. */
function commitOf(group: string, topic: string, offsets: Record<number, number>): CommitRequest {
  return {
    groupId: group,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, partitions: Object.entries(offsets).map(([p, o]) => ({ partitionIndex: Number(p), committedOffset: o, committedLeaderEpoch: -1, committedMetadata: null })) }],
  };
}

function fetched(offsets: GroupOffsets, group: string, topic: string, partition: number): number {
  return offsets.fetch(group, [{ name: topic, partitionIndexes: [partition] }])[0]!.partitions[0]!.committedOffset;
}

describe('GroupOffsets', () => {
  it('moves a committed offset that is past the log end (log lost its tail) back to the log end, durably', async () => {
    const dataDir = tempDir();
    let logs = await openManager(dataDir);
    logs.createTopic('t', 2);
    for (let i = 0; i < 2; i++) appendBatch(logs.partition('t', 0)!, makeBatch(5)); // offsets 0..9, two batches
    appendBatch(logs.partition('t', 1)!, makeBatch(3));
    let { offsets, store } = offsetsOver(dataDir, logs);
    expect((await offsets.commit(commitOf('g', 't', { 0: 10, 1: 2 })))[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
    const firstBatch = makeBatch(5).length;
    await logs.close();
    closeOffsets(store);

    // A power cut kept only the first batch of t-0 (the last flush.ms of the log was lost; the commit was fsynced).
    const seg = path.join(dataDir, 't-0', '00000000000000000000.log');
    fs.truncateSync(seg, firstBatch);
    removeCleanMarker(dataDir);
    fs.rmSync(path.join(dataDir, 'recovery-point-offset-checkpoint'));

    logs = await openManager(dataDir);
    expect(logs.partition('t', 0)!.logEndOffset).toBe(5);
    ({ offsets, store } = offsetsOver(dataDir, logs, captureLogger()));
    expect(fetched(offsets, 'g', 't', 0)).toBe(5);
    expect(fetched(offsets, 'g', 't', 1)).toBe(2); // within its log: untouched
    expect(offsets.lag('g').find((l) => l.partition === 0)).toMatchObject({ committedOffset: 5, logEndOffset: 5, lag: 0 });
    // The next record produced gets offset 5, and the group reads it.
    expect(appendBatch(logs.partition('t', 0)!, makeBatch(1)).baseOffset).toBe(5);
    expect(offsets.lag('g').find((l) => l.partition === 0)!.lag).toBe(1);

    // The clamp was recorded: even once the log grows past 10 again, the group stays where it was moved.
    for (let i = 0; i < 2; i++) appendBatch(logs.partition('t', 0)!, makeBatch(5));
    await logs.close();
    closeOffsets(store);
    logs = await openManager(dataDir);
    ({ offsets } = offsetsOver(dataDir, logs));
    expect(fetched(offsets, 'g', 't', 0)).toBe(5);
  });

  it('warns, naming the group, partition, offset and log end, when it moves an offset back', async () => {
    const dataDir = tempDir();
    let logs = await openManager(dataDir);
    logs.createTopic('t', 1);
    appendBatch(logs.partition('t', 0)!, makeBatch(4));
    const first = offsetsOver(dataDir, logs);
    await first.offsets.commit(commitOf('readers', 't', { 0: 9 })); // beyond the end: Kafka accepts it, so do we
    await logs.close();
    closeOffsets(first.store);
    logs = await openManager(dataDir);
    const { log } = offsetsOver(dataDir, logs);
    expect(log.lines.filter((l) => l.startsWith('warn ') && l.includes('group readers') && l.includes('offset 9 of t-0') && l.includes('log end 4'))).toHaveLength(1);
  });

  it('never hands a topic created again the offsets of the deleted one, even if forgetting them was cut short', async () => {
    const dataDir = tempDir();
    let logs = await openManager(dataDir);
    logs.createTopic('t', 1);
    appendBatch(logs.partition('t', 0)!, makeBatch(8));
    let { offsets, store } = offsetsOver(dataDir, logs);
    await offsets.commit(commitOf('g', 't', { 0: 8 }));

    // Deleted, and created again before the offsets were forgotten (or a crash came between the two).
    await logs.deleteTopic('t');
    logs.createTopic('t', 1);
    expect(fetched(offsets, 'g', 't', 0)).toBe(-1);
    expect(offsets.lag('g')).toEqual([]);
    // The new topic's own commit survives the late forget of the old one.
    appendBatch(logs.partition('t', 0)!, makeBatch(2));
    await offsets.commit(commitOf('g', 't', { 0: 1 }));
    await offsets.forgetTopic('t');
    expect(fetched(offsets, 'g', 't', 0)).toBe(1);

    // Crash right after a deletion: the offsets are still in the journal, the topic is gone. They are dropped on start.
    await offsets.commit(commitOf('h', 't', { 0: 2 }));
    await logs.deleteTopic('t');
    await logs.close();
    closeOffsets(store);
    logs = await openManager(dataDir);
    ({ offsets, store } = offsetsOver(dataDir, logs));
    expect(store.groups()).toEqual([]);
    logs.createTopic('t', 1);
    expect(fetched(offsets, 'h', 't', 0)).toBe(-1);
  });

  it('answers commits with COORDINATOR_NOT_AVAILABLE once the store failed an fsync, and keeps serving fetches', async () => {
    const dataDir = tempDir();
    const logs = await openManager(dataDir);
    logs.createTopic('t', 1);
    appendBatch(logs.partition('t', 0)!, makeBatch(8));
    const { offsets, log } = offsetsOver(dataDir, logs);
    await offsets.commit(commitOf('g', 't', { 0: 3 }));
    vi.spyOn(fs, 'fsync').mockImplementation(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    }) as typeof fs.fsync);
    for (let i = 0; i < 3; i++) {
      const res = await offsets.commit(commitOf('g', 't', { 0: 4 + i }));
      expect(res[0]!.partitions[0]!.errorCode).toBe(errorCode('COORDINATOR_NOT_AVAILABLE'));
    }
    expect(fetched(offsets, 'g', 't', 0)).toBe(3);
    expect(log.lines.filter((l) => l.startsWith('error '))).toHaveLength(1);
    await offsets.expire(0, Date.now() + 1_000_000); // retention must not try (and log) again
    expect(log.lines.filter((l) => l.startsWith('error '))).toHaveLength(1);
  });
});

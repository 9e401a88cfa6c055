// A coordinator that cannot write its offsets (a failed fsync, a full disk) answers every request that would change
// them with the retriable COORDINATOR_NOT_AVAILABLE, changes nothing, and keeps the connection: commits, OffsetDelete
// and DeleteGroups alike (the last two used to throw and cost the client its connection).
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config.js';
import { silentLogger } from '../../src/common/logger.js';
import { errorCode } from '../../src/protocol/errors.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/schemas/create-topics.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../src/protocol/schemas/delete-groups.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../src/protocol/schemas/offset-commit.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../src/protocol/schemas/offset-delete.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../src/protocol/schemas/offset-fetch.js';
import { WireClient } from '../helpers/wire-client.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const UNAVAILABLE = errorCode('COORDINATOR_NOT_AVAILABLE');

it('answers OffsetCommit, OffsetDelete and DeleteGroups with COORDINATOR_NOT_AVAILABLE when offsets cannot be written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-offsets-unwritable-'));
  dirs.push(dir);
  const broker = await Broker.start(loadBrokerConfig({ dataDir: dir, kafka: '127.0.0.1:0' }), silentLogger);
  const client = await WireClient.connect(broker.address().port);
  try {
    const created = await client.send(CreateTopicsRequest, CreateTopicsResponse, 5, {
      topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(0);
    const commit = (offset: number) =>
      client.send(OffsetCommitRequest, OffsetCommitResponse, 2, {
        groupId: 'g',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] }],
      });
    const committed = async () => {
      const r = await client.send(OffsetFetchRequest, OffsetFetchResponse, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }] });
      return r.topics[0]!.partitions[0]!.committedOffset;
    };
    // The log is empty, so only offset 0 is within it.
    expect((await commit(0)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    expect(await committed()).toBe(0);

    vi.spyOn(fs, 'fsync').mockImplementation(((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    }) as typeof fs.fsync);
    expect((await commit(0)).topics[0]!.partitions[0]!.errorCode).toBe(UNAVAILABLE);

    const deleted = await client.send(OffsetDeleteRequest, OffsetDeleteResponse, 0, { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(deleted.errorCode).toBe(UNAVAILABLE);
    const groups = await client.send(DeleteGroupsRequest, DeleteGroupsResponse, 1, { groupsNames: ['g'] });
    expect(groups.results).toEqual([{ groupId: 'g', errorCode: UNAVAILABLE }]);
    // Same connection, nothing changed.
    expect(await committed()).toBe(0);
  } finally {
    client.close();
    vi.restoreAllMocks();
    await broker.stop();
  }
});

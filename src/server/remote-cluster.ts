import type { KafkaClient } from '../client/client.js';
import { KafkaError, OffsetOutOfRangeError } from '../client/errors.js';
import type { FetchedRecord } from '../client/fetcher.js';
import { describeGroup, GroupNotFoundError, type GroupView } from '../client/group-view.js';
import { captureJson, type CaptureJson } from '../common/record-capture.js';
import { ApiError, notFound } from './errors.js';

/*
 * What the API shows of another Kafka cluster, read with our own client over the Kafka protocol alone (Metadata,
 * ListOffsets, DescribeConfigs, Fetch, Produce, ListGroups, DescribeGroups, OffsetFetch, OffsetCommit), so it works
 * against any Kafka: the same answers a user of Kafbat UI expects, from the connection's bootstrap servers.
 */

export interface RemoteTopic {
  name: string;
  internal: boolean;
  partitions: number;
  /** Sum over partitions of end minus start offset (records kept, as offsets count them). */
  records: number;
}

export interface RemotePartition {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  startOffset: number;
  endOffset: number;
}

export interface RemoteRecord extends CaptureJson {
  size: number;
}

/** Topics listed at most: the rest are counted, not described (a cluster of thousands stays one quick answer). */
export const MAX_REMOTE_TOPICS = 1000;
export const MAX_REMOTE_RECORDS = 500;

/** A client error as an answer: the remote's Kafka error with its status, or 502 when the remote cannot be reached. */
export function remoteError(e: unknown, connection: string): unknown {
  if (e instanceof ApiError) return e;
  if (e instanceof GroupNotFoundError) return notFound(`${e.message} on ${connection}`);
  if (e instanceof KafkaError) {
    const status = e.type === 'UNKNOWN_TOPIC_OR_PARTITION' ? 404 : e.type.endsWith('AUTHORIZATION_FAILED') || e.type === 'SASL_AUTHENTICATION_FAILED' ? 403 : 400;
    return new ApiError(status, e.type, `${connection}: ${e.message}`);
  }
  return new ApiError(502, 'REMOTE_UNREACHABLE', `cannot reach ${connection}: ${(e as Error).message}`);
}

async function inChunks<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function listRemoteTopics(client: KafkaClient): Promise<{ topics: RemoteTopic[]; total: number }> {
  const names = await client.admin.listTopics();
  const shown = names.slice(0, MAX_REMOTE_TOPICS);
  const described = await client.admin.describeTopics(shown);
  const topics = await inChunks(described, 16, async (d) => {
    const ranges = await client.offsets.ranges(d.name).catch(() => new Map());
    let records = 0;
    for (const r of ranges.values()) records += r.high - r.low;
    return { name: d.name, internal: d.internal, partitions: d.partitions.length, records };
  });
  return { topics, total: names.length };
}

export async function describeRemoteTopic(client: KafkaClient, topic: string): Promise<{ name: string; partitions: RemotePartition[]; configs: { name: string; value: string | null; isDefault: boolean }[] }> {
  if (!(await client.admin.listTopics()).includes(topic)) throw notFound(`topic ${topic} does not exist on this cluster`);
  const [[d], ranges, configs] = await Promise.all([client.admin.describeTopics([topic]), client.offsets.ranges(topic), client.admin.describeTopicConfigs([topic])]);
  return {
    name: topic,
    partitions: d!.partitions.map((p) => ({ ...p, startOffset: ranges.get(p.partition)?.low ?? 0, endOffset: ranges.get(p.partition)?.high ?? 0 })),
    configs: (configs.get(topic) ?? []).map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, isDefault: c.isDefault })),
  };
}

const render = (topic: string, partition: number, r: FetchedRecord): RemoteRecord => {
  let size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of r.headers) size += k.length + (v?.length ?? 0);
  return { ...captureJson({ topic, partition, ...r }), size };
};

/**
 * Records of a remote topic: from `offset` forward in one partition, or the newest `limit` of the topic (or of one
 * partition), newest first. Each partition is read from where its newest records start, never from its beginning.
 */
export async function remoteRecords(client: KafkaClient, topic: string, opts: { partition?: number; offset?: number; limit: number }): Promise<RemoteRecord[]> {
  const ranges = await client.offsets.ranges(topic);
  if (ranges.size === 0) throw notFound(`topic ${topic} does not exist on this cluster`);
  if (opts.partition !== undefined && !ranges.has(opts.partition)) throw notFound(`topic ${topic} has no partition ${opts.partition}`);
  const parts = opts.partition === undefined ? [...ranges.values()] : [ranges.get(opts.partition)!];
  const forward = opts.offset !== undefined;
  const start = new Map<number, number>();
  for (const r of parts) {
    const from = forward ? Math.min(Math.max(opts.offset!, r.low), r.high) : Math.max(r.low, r.high - opts.limit);
    if (from < r.high) start.set(r.partition, from);
  }
  const fetcher = client.fetcher(topic, { partitionMaxBytes: 1024 * 1024, maxBytes: 8 * 1024 * 1024 });
  const out: RemoteRecord[] = [];
  const positions = new Map(start);
  for (let round = 0; positions.size > 0 && round < 50; round++) {
    let fetched;
    try {
      fetched = await fetcher.fetch(positions, 0);
    } catch (e) {
      if (e instanceof OffsetOutOfRangeError) break; // retention moved under us: show what was read
      throw e;
    }
    for (const f of fetched) {
      const end = ranges.get(f.partition)!.high;
      for (const r of f.records) if (r.offset < end) out.push(render(topic, f.partition, r));
      const taken = out.filter((r) => r.partition === f.partition).length;
      if (f.nextOffset >= end || f.records.length === 0 || (forward && taken >= opts.limit)) positions.delete(f.partition);
      else positions.set(f.partition, f.nextOffset);
    }
  }
  if (forward) return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset).slice(0, opts.limit);
  return out.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset).slice(0, opts.limit);
}

export async function listRemoteGroups(client: KafkaClient): Promise<{ groupId: string; protocolType: string; state: string; members: number }[]> {
  const listed = await client.groups.listGroups();
  const described = listed.length ? await client.groups.describeGroups(listed.map((g) => g.groupId)) : [];
  const byId = new Map(described.map((d) => [d.groupId, d]));
  return listed
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: byId.get(g.groupId)?.state ?? 'Unknown', members: byId.get(g.groupId)?.members.length ?? 0 }))
    .sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export function describeRemoteGroup(client: KafkaClient, groupId: string): Promise<GroupView> {
  return describeGroup(client, groupId);
}

export interface ResetTarget {
  to: 'earliest' | 'latest' | 'offset' | 'timestamp';
  offset?: number;
  timestamp?: number;
}

/** Moves a remote group's committed offsets of one topic, only while the group has no members (as Kafka requires). */
export async function resetRemoteGroup(client: KafkaClient, groupId: string, topic: string, target: ResetTarget, dryRun: boolean) {
  const [d] = await client.groups.describeGroups([groupId]);
  if (d && d.state !== 'Dead' && d.state !== 'Empty') throw new ApiError(409, 'GROUP_ACTIVE', `group ${groupId} is ${d.state} with ${d.members.length} member(s); stop its consumers first`);
  const ranges = await client.offsets.ranges(topic);
  if (ranges.size === 0) throw notFound(`topic ${topic} does not exist on this cluster`);
  const committed = (await client.groups.fetchOffsets(groupId, [topic])).get(topic) ?? new Map<number, number>();
  let targets: Map<number, number>;
  if (target.to === 'timestamp') targets = await client.offsets.list(topic, { timestamp: target.timestamp! });
  else targets = new Map([...ranges].map(([p, r]) => [p, target.to === 'earliest' ? r.low : target.to === 'latest' ? r.high : Math.min(Math.max(target.offset!, r.low), r.high)]));
  const rows = [...ranges.keys()].sort((a, b) => a - b).map((p) => ({ topic, partition: p, from: committed.get(p) ?? null, to: targets.get(p) ?? ranges.get(p)!.high }));
  if (!dryRun) await client.groups.commitOffsets(groupId, topic, new Map(rows.map((r) => [r.partition, r.to])));
  return { groupId, topic, dryRun, partitions: rows };
}

// Consumer-group requests sent byte for byte (our own codec, test/helpers/wire-client.ts) to a real `tributary serve`:
// a SyncGroup sent again while the first is parked must not stall the connection (defect 7), and refused requests,
// idle groups and unused member ids must not pile up, within groupMaxSize and maxGroups (defect 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../src/protocol/errors.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../src/protocol/schemas/describe-groups.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../src/protocol/schemas/heartbeat.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../src/protocol/schemas/join-group.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../src/protocol/schemas/leave-group.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../src/protocol/schemas/list-groups.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../src/protocol/schemas/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../src/protocol/schemas/offset-fetch.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../src/protocol/schemas/sync-group.js';
import { brokerConfig } from '../helpers/broker-config.js';
import { startBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WireClient } from '../helpers/wire-client.js';

/** How long a request may take to be answered on a loaded machine before the test calls it unanswered. */
const ANSWER_MS = 20_000;
const SESSION_MS = 120_000; // members and ids of earlier cases stay for the whole file
const PENDING_SESSION_MS = 1_000; // the broker's minimum here: a MEMBER_ID_REQUIRED id expires after 1 s unused

let broker: BrokerProcess;
const clients: WireClient[] = [];

beforeAll(async () => {
  const config = brokerConfig({ groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: PENDING_SESSION_MS, groupMaxSize: 3, maxGroups: 6 });
  broker = await startBroker({ args: ['--config', config] });
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.close();
  const errors = broker?.stderr.filter((l) => / ERROR /.test(l)) ?? [];
  await stopAllBrokers();
  expect(errors).toEqual([]);
});

async function connect(): Promise<WireClient> {
  const c = await WireClient.connect(broker.port, broker.host);
  clients.push(c);
  return c;
}

/** Rejects if `p` is not settled within ANSWER_MS: an unanswered request fails the test instead of hanging it. */
function answered<T>(what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_MS} ms`)), ANSWER_MS))]);
}

const joinBody = (groupId: string, memberId = '', overrides: Partial<{ sessionTimeoutMs: number; protocolType: string; metadata: Buffer }> = {}) => ({
  groupId,
  sessionTimeoutMs: overrides.sessionTimeoutMs ?? SESSION_MS,
  rebalanceTimeoutMs: SESSION_MS,
  memberId,
  groupInstanceId: null,
  protocolType: overrides.protocolType ?? 'consumer',
  protocols: [{ name: 'range', metadata: overrides.metadata ?? Buffer.from('subscription') }],
});
const join = (c: WireClient, groupId: string, memberId = '', overrides = {}) =>
  answered(`JoinGroup ${groupId}`, c.send(JoinGroupRequest, JoinGroupResponse, 5, joinBody(groupId, memberId, overrides)));

/** A JoinGroup v5 member's two steps: MEMBER_ID_REQUIRED hands out the id, the second JoinGroup uses it. */
async function joinAsNew(c: WireClient, groupId: string) {
  const first = await join(c, groupId);
  expect(first.errorCode).toBe(errorCode('MEMBER_ID_REQUIRED'));
  return join(c, groupId, first.memberId);
}

async function listed(): Promise<string[]> {
  const c = await connect();
  const r = await answered('ListGroups', c.send(ListGroupsRequest, ListGroupsResponse, 2, { statesFilter: [] }));
  c.close();
  return r.groups.map((g) => g.groupId).sort();
}

describe('a SyncGroup sent again while the first is parked (defect 7)', () => {
  it('answers both with the assignment, and the requests after them on that connection too', async () => {
    const group = 'resync';
    const [ca, cb] = [await connect(), await connect()];
    // Both member ids are handed out before either member joins with its id: the coordinator then waits for both
    // (pending ids hold a rebalance, as in Kafka) and they share one generation, however slowly each request arrives.
    const ids = await Promise.all([join(ca, group), join(cb, group)]);
    expect(ids.map((r) => r.errorCode)).toEqual([errorCode('MEMBER_ID_REQUIRED'), errorCode('MEMBER_ID_REQUIRED')]);
    const [a, b] = await Promise.all([join(ca, group, ids[0]!.memberId), join(cb, group, ids[1]!.memberId)]);
    expect([a.errorCode, b.errorCode]).toEqual([0, 0]);
    expect(a.generationId).toBe(b.generationId);
    const [leader, follower] = a.memberId === a.leader ? [a, b] : [b, a];

    // All on one connection, so the broker takes them in this order and answers them in this order: the follower's
    // SyncGroup is parked until the leader brings the assignment, the follower sends it again meanwhile, then the
    // leader's SyncGroup, then a Heartbeat.
    const conn = await connect();
    const sync = (m: typeof leader, assignments: { memberId: string; assignment: Buffer }[]) =>
      conn.send(SyncGroupRequest, SyncGroupResponse, 3, { groupId: group, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, assignments });
    const first = sync(follower, []);
    const second = sync(follower, []);
    const leaderSync = sync(leader, [
      { memberId: leader.memberId, assignment: Buffer.from('for the leader') },
      { memberId: follower.memberId, assignment: Buffer.from('for the follower') },
    ]);
    const heartbeat = conn.send(HeartbeatRequest, HeartbeatResponse, 3, { groupId: group, generationId: follower.generationId, memberId: follower.memberId, groupInstanceId: null });

    for (const [what, p] of [['the first SyncGroup', first], ['the repeated SyncGroup', second]] as const) {
      const r = await answered(what, p);
      expect(r.errorCode).toBe(0);
      expect(r.assignment.toString()).toBe('for the follower');
    }
    expect((await answered('the leader\'s SyncGroup', leaderSync)).assignment.toString()).toBe('for the leader');
    expect((await answered('the Heartbeat after them', heartbeat)).errorCode).toBe(0);
  }, 60_000);
});

describe('groups that must not pile up (defect 5)', () => {
  it('a refused request leaves no group behind', async () => {
    const c = await connect();
    const bad = (name: string) => `refused-${name}`;
    expect((await join(c, bad('session'), '', { sessionTimeoutMs: 10 })).errorCode).toBe(errorCode('INVALID_SESSION_TIMEOUT'));
    expect((await join(c, bad('protocol'), '', { protocolType: '' })).errorCode).toBe(errorCode('INCONSISTENT_GROUP_PROTOCOL'));
    expect((await join(c, bad('member'), 'made-up-member')).errorCode).toBe(errorCode('UNKNOWN_MEMBER_ID'));
    const sync = await answered('SyncGroup', c.send(SyncGroupRequest, SyncGroupResponse, 3, { groupId: bad('sync'), generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] }));
    expect(sync.errorCode).toBe(errorCode('UNKNOWN_MEMBER_ID'));
    const hb = await answered('Heartbeat', c.send(HeartbeatRequest, HeartbeatResponse, 3, { groupId: bad('heartbeat'), generationId: 1, memberId: 'm', groupInstanceId: null }));
    expect(hb.errorCode).toBe(errorCode('UNKNOWN_MEMBER_ID'));
    const leave = await answered('LeaveGroup', c.send(LeaveGroupRequest, LeaveGroupResponse, 3, { groupId: bad('leave'), memberId: '', members: [{ memberId: 'm', groupInstanceId: null }] }));
    expect(leave.members.map((m) => m.errorCode)).toEqual([errorCode('UNKNOWN_MEMBER_ID')]);
    const fetched = await answered('OffsetFetch', c.send(OffsetFetchRequest, OffsetFetchResponse, 5, { groupId: bad('fetch'), topics: null }));
    expect(fetched.errorCode).toBe(0);
    const described = await answered('DescribeGroups', c.send(DescribeGroupsRequest, DescribeGroupsResponse, 4, { groups: [bad('describe')] }));
    expect(described.groups[0]!.groupState).toBe('Dead');
    // A member's commit (generation 1) to a group that does not exist is refused as from an old generation.
    const commit = await answered('OffsetCommit', c.send(OffsetCommitRequest, OffsetCommitResponse, 7, {
      groupId: bad('commit'),
      generationIdOrMemberEpoch: 1,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: null }] }],
    }));
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(errorCode('ILLEGAL_GENERATION'));
    expect((await listed()).filter((g) => g.startsWith('refused-'))).toEqual([]);
  }, 60_000);

  it('a group whose last member left without committing is forgotten', async () => {
    const c = await connect();
    const member = await joinAsNew(c, 'left-empty');
    expect(member.errorCode).toBe(0);
    expect(await listed()).toContain('left-empty');
    const leave = await answered('LeaveGroup', c.send(LeaveGroupRequest, LeaveGroupResponse, 3, { groupId: 'left-empty', memberId: '', members: [{ memberId: member.memberId, groupInstanceId: null }] }));
    expect(leave.members.map((m) => m.errorCode)).toEqual([0]);
    expect(await listed()).not.toContain('left-empty');
  }, 60_000);

  it('a member id handed out with MEMBER_ID_REQUIRED and never used expires, and its group with it', async () => {
    const c = await connect();
    const first = await join(c, 'never-came-back', '', { sessionTimeoutMs: PENDING_SESSION_MS });
    expect(first.errorCode).toBe(errorCode('MEMBER_ID_REQUIRED'));
    expect(await listed()).toContain('never-came-back');
    await waitUntil('the unused member id and its group to expire', async () => !(await listed()).includes('never-came-back'), { timeoutMs: 30_000, intervalMs: 250 });
    expect((await join(c, 'never-came-back', first.memberId)).errorCode).toBe(errorCode('UNKNOWN_MEMBER_ID'));
  }, 60_000);

  it('groupMaxSize: a fourth new member of a group of three gets GROUP_MAX_SIZE_REACHED', async () => {
    const c = await connect();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await join(c, 'full')).errorCode);
    expect(answers).toEqual([...Array(3).fill(errorCode('MEMBER_ID_REQUIRED')), errorCode('GROUP_MAX_SIZE_REACHED')]);
  }, 60_000);

  it('maxGroups: a group beyond the limit is refused with POLICY_VIOLATION, and the broker log says what to do', async () => {
    const c = await connect();
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await join(c, `many-${i}`)).errorCode);
    const held = (await listed()).length;
    expect(held).toBe(6);
    expect(codes.filter((x) => x === errorCode('POLICY_VIOLATION')).length).toBeGreaterThan(0);
    expect(codes.every((x) => x === errorCode('MEMBER_ID_REQUIRED') || x === errorCode('POLICY_VIOLATION'))).toBe(true);
    await broker.waitForLine(/WARN .*maxGroups/, ANSWER_MS);
  }, 60_000);
});

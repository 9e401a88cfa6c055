// The classic group coordinator driven directly (no sockets): membership, generations, leader election, SyncGroup,
// heartbeat errors, session expiry, static members and LeaveGroup — Kafka's GroupCoordinator rules.
import { describe, expect, it, vi } from 'vitest';
import {
  assignment, coordinator, FENCED_INSTANCE_ID, GROUP, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INITIAL_DELAY_MS,
  INVALID_SESSION_TIMEOUT, joinNew, MEMBER_ID_REQUIRED, metadata, REBALANCE_IN_PROGRESS, rejoin, request, stableGroupOfTwo,
  syncAll, UNKNOWN_MEMBER_ID, withOffsets,
} from '../helpers/group-coordinator.js';
import type { SyncResult } from '../../src/broker/groups/group.js';

describe('JoinGroup', () => {
  it('asks a v4+ member for a known member id first, then admits it as leader of generation 1', async () => {
    const c = coordinator();
    const first = await c.join(request('a'));
    expect(first).toMatchObject({ errorCode: MEMBER_ID_REQUIRED, generationId: -1 });
    expect(c.group(GROUP)!.members.size).toBe(0);
    expect(c.group(GROUP)!.pendingMembers.has(first.memberId)).toBe(true);

    const joined = await c.join(request('a', { memberId: first.memberId }));
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', memberId: first.memberId, leader: first.memberId });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: metadata('a') }]);
    expect(c.group(GROUP)!.state).toBe('CompletingRebalance');
  });

  it('admits a pre-v4 member at once, without MEMBER_ID_REQUIRED', async () => {
    const c = coordinator();
    const joined = await c.join(request('old', { requireKnownMemberId: false }));
    expect(joined.errorCode).toBe(0);
    expect(joined.memberId).toMatch(/^old-/);
    expect(joined.generationId).toBe(1);
  });

  it('waits the initial rebalance delay so members arriving together share the first generation', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    expect(a.leader).toBe(b.leader);
    expect([a.memberId, b.memberId]).toContain(a.leader);
  });

  it('gives only the leader the member list with each member\'s metadata', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    expect(follower.members).toEqual([]);
    expect(leader.members.map((m) => [m.memberId, m.metadata.toString()]).sort()).toEqual(
      [
        [a.memberId, 'subscription-of-a'],
        [b.memberId, 'subscription-of-b'],
      ].sort(),
    );
  });

  it('increments the generation when a member joins a stable group, and everyone rejoins', async () => {
    const c = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c);

    const third = joinNew(c, 'c');
    await vi.waitFor(() => expect(c.group(GROUP)!.state).toBe('PreparingRebalance'));
    // Existing members learn about the rebalance from their heartbeat, then rejoin.
    expect(c.heartbeat(GROUP, 1, leader.memberId, null)).toBe(REBALANCE_IN_PROGRESS);
    expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(REBALANCE_IN_PROGRESS);
    const [l2, f2, t2] = await Promise.all([rejoin(c, 'a', leader.memberId), rejoin(c, 'b', follower.memberId), third]);
    for (const r of [l2, f2, t2]) expect(r).toMatchObject({ errorCode: 0, generationId: 2, leader: leader.memberId });
    expect(l2.members).toHaveLength(3);
    expect(f2.members).toEqual([]);
    expect(t2.members).toEqual([]);
  });

  it('rejects session timeouts outside the broker\'s range with INVALID_SESSION_TIMEOUT', async () => {
    const c = coordinator({ minSessionTimeoutMs: 6_000 });
    expect((await c.join(request('a', { sessionTimeoutMs: 5_999 }))).errorCode).toBe(INVALID_SESSION_TIMEOUT);
    expect((await c.join(request('a', { sessionTimeoutMs: 60_001 }))).errorCode).toBe(INVALID_SESSION_TIMEOUT);
    expect((await c.join(request('a', { sessionTimeoutMs: 6_000 }))).errorCode).toBe(MEMBER_ID_REQUIRED);
  });

  it('rejects a member whose protocol type or protocols do not match the group with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const c = coordinator();
    await stableGroupOfTwo(c);
    expect((await c.join(request('x', { protocolType: 'connect' }))).errorCode).toBe(INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.join(request('x', { protocols: [{ name: 'roundrobin', metadata: metadata('x') }] }))).errorCode).toBe(INCONSISTENT_GROUP_PROTOCOL);
    // An empty protocol type or list is inconsistent even for a new group.
    expect((await c.join(request('y', { groupId: 'fresh', protocolType: '' }))).errorCode).toBe(INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.join(request('y', { groupId: 'fresh', protocols: [] }))).errorCode).toBe(INCONSISTENT_GROUP_PROTOCOL);
  });

  it('answers a follower that rejoins a stable group unchanged with the current generation, without a rebalance', async () => {
    const c = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c);
    const again = await rejoin(c, follower.memberId.startsWith('a-') ? 'a' : 'b', follower.memberId);
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leader: leader.memberId, members: [] });
    expect(c.group(GROUP)!.state).toBe('Stable');
  });

  it('answers UNKNOWN_MEMBER_ID to a join with a member id it never handed out', async () => {
    const c = coordinator();
    await stableGroupOfTwo(c);
    expect((await c.join(request('z', { memberId: 'z-made-up' }))).errorCode).toBe(UNKNOWN_MEMBER_ID);
  });
});

describe('SyncGroup', () => {
  it('hands each member the assignment the leader computed, once the leader has synced', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;

    let followerAnswered = false;
    const followerSync = Promise.resolve(c.sync(GROUP, 1, follower.memberId, null, 'consumer', 'range', [])).then((r) => {
      followerAnswered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(followerAnswered).toBe(false); // parked until the leader brings the assignment

    const leaderSync = await c.sync(GROUP, 1, leader.memberId, null, 'consumer', 'range', [
      { memberId: leader.memberId, assignment: assignment('leader-part') },
      { memberId: follower.memberId, assignment: assignment('follower-part') },
    ]);
    expect(leaderSync).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(leaderSync.assignment.toString()).toBe('leader-part');
    expect((await followerSync).assignment.toString()).toBe('follower-part');
    expect(c.group(GROUP)!.state).toBe('Stable');

    // A late SyncGroup in a Stable group gets the stored assignment at once.
    expect((await c.sync(GROUP, 1, follower.memberId, null, null, null, [])).assignment.toString()).toBe('follower-part');
  });

  it('rejects a wrong generation, an unknown member and a rebalancing group', async () => {
    const c = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c);
    expect((await c.sync(GROUP, 7, follower.memberId, null, null, null, [])).errorCode).toBe(ILLEGAL_GENERATION);
    expect((await c.sync(GROUP, 1, 'nobody', null, null, null, [])).errorCode).toBe(UNKNOWN_MEMBER_ID);
    expect((await c.sync(GROUP, 1, follower.memberId, null, 'consumer', 'roundrobin', [])).errorCode).toBe(INCONSISTENT_GROUP_PROTOCOL);

    void rejoin(c, 'a', leader.memberId); // the leader rejoining starts a rebalance
    expect(c.group(GROUP)!.state).toBe('PreparingRebalance');
    expect((await c.sync(GROUP, 1, follower.memberId, null, null, null, [])).errorCode).toBe(REBALANCE_IN_PROGRESS);
  });
});

describe('a repeated JoinGroup or SyncGroup (defect 7)', () => {
  /** Settles within `ms` or reports that it did not (a parked request that is never answered). */
  const within = <T>(p: Promise<T> | T, ms = 2_000): Promise<T | 'unanswered'> =>
    Promise.race([Promise.resolve(p), new Promise<'unanswered'>((resolve) => setTimeout(() => resolve('unanswered'), ms))]);

  it('answers both SyncGroups of a follower that sent one again while the first was parked, with its assignment', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    const first = Promise.resolve(c.sync(GROUP, 1, follower.memberId, null, 'consumer', 'range', []));
    const second = Promise.resolve(c.sync(GROUP, 1, follower.memberId, null, 'consumer', 'range', []));
    await c.sync(GROUP, 1, leader.memberId, null, 'consumer', 'range', [
      { memberId: leader.memberId, assignment: assignment('leader-part') },
      { memberId: follower.memberId, assignment: assignment('follower-part') },
    ]);
    for (const answer of [await within(first), await within(second)]) {
      expect(answer).not.toBe('unanswered');
      expect(answer).toMatchObject({ errorCode: 0, protocolName: 'range' });
      expect((answer as SyncResult).assignment.toString()).toBe('follower-part');
    }
  });

  it('answers both parked SyncGroups with REBALANCE_IN_PROGRESS when a rebalance starts instead', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
    const follower = a.memberId === a.leader ? b : a;
    const parked = [1, 2].map(() => Promise.resolve(c.sync(GROUP, 1, follower.memberId, null, null, null, [])));
    void joinNew(c, 'c'); // a new member: back to PreparingRebalance
    await vi.waitFor(() => expect(c.group(GROUP)!.state).toBe('PreparingRebalance'));
    for (const p of parked) expect(await within(p)).toMatchObject({ errorCode: REBALANCE_IN_PROGRESS });
  });

  it('answers both JoinGroups of a member that sent one again while the first was parked, with the same generation', async () => {
    const c = coordinator();
    const joined = await Promise.all(['a', 'b', 'c'].map((name) => joinNew(c, name)));
    const leader = joined.find((j) => j.memberId === j.leader)!;
    const [waiting, last] = joined.filter((j) => j !== leader);
    const clientOf = (j: { memberId: string }) => j.memberId.slice(0, 1);
    await syncAll(c, leader, [waiting!, last!]);
    // The leader rejoining starts a rebalance; one follower rejoins twice while the third member has not rejoined yet.
    const leaderJoin = rejoin(c, clientOf(leader), leader.memberId);
    const first = rejoin(c, clientOf(waiting!), waiting!.memberId);
    const second = rejoin(c, clientOf(waiting!), waiting!.memberId);
    expect(await within(first, 50)).toBe('unanswered'); // parked, as it should be until everyone has rejoined
    const lastJoin = rejoin(c, clientOf(last!), last!.memberId);
    await Promise.all([leaderJoin, lastJoin]);
    for (const answer of [await within(first), await within(second)]) {
      expect(answer).toMatchObject({ errorCode: 0, generationId: 2, memberId: waiting!.memberId, leader: leader.memberId });
    }
  });
});

describe('Heartbeat', () => {
  it('is fine in a stable group and says REBALANCE_IN_PROGRESS while one runs', async () => {
    const c = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c);
    expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(0);
    void joinNew(c, 'c');
    await vi.waitFor(() => expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(REBALANCE_IN_PROGRESS));
    expect(c.heartbeat(GROUP, 1, leader.memberId, null)).toBe(REBALANCE_IN_PROGRESS);
  });

  it('answers ILLEGAL_GENERATION for an old generation and UNKNOWN_MEMBER_ID for a stranger', async () => {
    const c = coordinator();
    const { follower } = await stableGroupOfTwo(c);
    expect(c.heartbeat(GROUP, 0, follower.memberId, null)).toBe(ILLEGAL_GENERATION);
    expect(c.heartbeat(GROUP, 2, follower.memberId, null)).toBe(ILLEGAL_GENERATION);
    expect(c.heartbeat(GROUP, 1, 'nobody', null)).toBe(UNKNOWN_MEMBER_ID);
    expect(c.heartbeat('no-such-group', 1, follower.memberId, null)).toBe(UNKNOWN_MEMBER_ID);
  });
});

describe('membership changes', () => {
  it('removes a member whose session expires and rebalances the rest', async () => {
    vi.useFakeTimers();
    const c = coordinator();
    const joins = Promise.all([joinNew(c, 'a', { sessionTimeoutMs: 1_000 }), joinNew(c, 'b', { sessionTimeoutMs: 1_000 })]);
    await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS * 3); // the delay restarts once for the second member
    const [a, b] = await joins;
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    await syncAll(c, leader, [follower]);

    // Only the leader keeps heartbeating.
    for (let t = 0; t < 3; t++) {
      await vi.advanceTimersByTimeAsync(300);
      expect(c.heartbeat(GROUP, 1, leader.memberId, null)).toBe(0);
    }
    expect(c.group(GROUP)!.members.has(follower.memberId)).toBe(true);
    await vi.advanceTimersByTimeAsync(150); // 1.05 s since the follower's last sign of life
    expect(c.group(GROUP)!.members.has(follower.memberId)).toBe(false);
    expect(c.heartbeat(GROUP, 1, leader.memberId, null)).toBe(REBALANCE_IN_PROGRESS);
    expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(UNKNOWN_MEMBER_ID);

    const alone = await rejoin(c, 'a', leader.memberId, { sessionTimeoutMs: 1_000 });
    expect(alone).toMatchObject({ errorCode: 0, generationId: 2, leader: leader.memberId });
    expect(alone.members.map((m) => m.memberId)).toEqual([leader.memberId]);
  });

  it('empties the group when its only member\'s session expires', async () => {
    const c = coordinator({}, withOffsets);
    const a = await joinNew(c, 'a', { sessionTimeoutMs: 50 });
    await c.sync(GROUP, a.generationId, a.memberId, null, null, null, [{ memberId: a.memberId, assignment: assignment('all') }]);
    await vi.waitFor(() => expect(c.group(GROUP)!.state).toBe('Empty'), { timeout: 10_000 });
    expect(c.group(GROUP)!.members.size).toBe(0);
    expect(c.group(GROUP)!.generationId).toBe(2);
  });

  it('lets a restarted static member take over its assignment without a rebalance', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([
      c.join(request('a', { groupInstanceId: 'instance-a' })), // static members skip MEMBER_ID_REQUIRED
      c.join(request('b', { groupInstanceId: 'instance-b' })),
    ]);
    expect(a.errorCode).toBe(0);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    const followerInstance = follower === a ? 'instance-a' : 'instance-b';
    const followerClient = follower === a ? 'a' : 'b';
    await syncAll(c, leader, [follower]);

    // The follower restarts: a new JoinGroup with no member id but the same instance id.
    const restarted = await c.join(request(followerClient, { groupInstanceId: followerInstance }));
    expect(restarted).toMatchObject({ errorCode: 0, generationId: 1, leader: leader.memberId });
    expect(restarted.memberId).not.toBe(follower.memberId);
    expect(c.group(GROUP)!.state).toBe('Stable');
    expect(c.heartbeat(GROUP, 1, leader.memberId, null)).toBe(0);
    const sync = await c.sync(GROUP, 1, restarted.memberId, followerInstance, 'consumer', 'range', []);
    expect(sync).toMatchObject({ errorCode: 0 });
    expect(sync.assignment.toString()).toBe(`for-${follower.memberId}`);
    // The old incarnation is fenced.
    expect(c.heartbeat(GROUP, 1, follower.memberId, followerInstance)).toBe(FENCED_INSTANCE_ID);
  });

  it('rebalances when a member leaves, and the survivor becomes leader if the leader left', async () => {
    const c = coordinator({}, withOffsets);
    const { leader, follower } = await stableGroupOfTwo(c);
    expect(c.leave(GROUP, leader.memberId, null)).toBe(0);
    expect(c.group(GROUP)!.state).toBe('PreparingRebalance');
    expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(REBALANCE_IN_PROGRESS);
    const again = await rejoin(c, 'b', follower.memberId);
    expect(again).toMatchObject({ errorCode: 0, generationId: 2, leader: follower.memberId });
    expect(again.members.map((m) => m.memberId)).toEqual([follower.memberId]);
    expect(c.leave(GROUP, leader.memberId, null)).toBe(UNKNOWN_MEMBER_ID);

    expect(c.leave(GROUP, follower.memberId, null)).toBe(0);
    expect(c.group(GROUP)!.state).toBe('Empty');
    expect(c.group(GROUP)!.generationId).toBe(3);
  });

  it('drops a member that does not rejoin within the rebalance timeout', async () => {
    const c = coordinator();
    const [a, b] = await Promise.all([joinNew(c, 'a', { rebalanceTimeoutMs: 100 }), joinNew(c, 'b', { rebalanceTimeoutMs: 100 })]);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    await syncAll(c, leader, [follower]);
    // The leader rejoining starts a rebalance; the follower stays silent past the 100 ms rebalance timeout.
    const survivor = await rejoin(c, leader === a ? 'a' : 'b', leader.memberId, { rebalanceTimeoutMs: 100 });
    expect(survivor).toMatchObject({ errorCode: 0, generationId: 2, leader: leader.memberId });
    expect(survivor.members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect(c.heartbeat(GROUP, 1, follower.memberId, null)).toBe(UNKNOWN_MEMBER_ID);
  });
});

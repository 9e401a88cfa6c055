// When the coordinator creates, refuses and forgets groups (defect 5): no group is created by a request it refuses,
// an Empty group without committed offsets is forgotten, member ids handed out with MEMBER_ID_REQUIRED expire
// (KIP-394), and group.max.size and maxGroups cap what clients can make the broker hold.
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/common/logger.js';
import { errorCode } from '../../src/protocol/errors.js';
import {
  coordinator, GROUP, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, joinNew, MEMBER_ID_REQUIRED,
  request, stableGroupOfTwo, syncAll, UNKNOWN_MEMBER_ID,
} from '../helpers/group-coordinator.js';

const GROUP_MAX_SIZE_REACHED = errorCode('GROUP_MAX_SIZE_REACHED');
const POLICY_VIOLATION = errorCode('POLICY_VIOLATION');
const simpleCommit = (groupId: string) => ({ groupId, generationId: -1, memberId: '', groupInstanceId: null });

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} };
}

describe('requests that are refused', () => {
  it('leave no group behind', async () => {
    const c = coordinator({ minSessionTimeoutMs: 6_000 });
    const refused = [
      [await c.join(request('a', { sessionTimeoutMs: 10 })), INVALID_SESSION_TIMEOUT],
      [await c.join(request('a', { protocolType: '' })), INCONSISTENT_GROUP_PROTOCOL],
      [await c.join(request('a', { protocols: [] })), INCONSISTENT_GROUP_PROTOCOL],
      [await c.join(request('a', { memberId: 'a-made-up' })), UNKNOWN_MEMBER_ID],
      [await c.join(request('a', { groupId: '' })), errorCode('INVALID_GROUP_ID')],
      [await c.sync(GROUP, 1, 'a-made-up', null, null, null, []), UNKNOWN_MEMBER_ID],
    ] as const;
    for (const [answer, expected] of refused) expect(answer.errorCode).toBe(expected);
    expect(c.heartbeat(GROUP, 1, 'a-made-up', null)).toBe(UNKNOWN_MEMBER_ID);
    expect(c.leave(GROUP, 'a-made-up', null)).toBe(UNKNOWN_MEMBER_ID);
    // A member's commit (it has a generation) to a group that does not exist: Kafka's answer before OffsetCommit v9.
    expect(c.commitError({ groupId: GROUP, generationId: 3, memberId: 'a-made-up', groupInstanceId: null })).toBe(ILLEGAL_GENERATION);
    expect(c.commitError(simpleCommit(''))).toBe(errorCode('INVALID_GROUP_ID'));
    expect([...c.groups.keys()]).toEqual([]);
  });

  it('but a simple consumer\'s commit creates the group, as in Kafka', () => {
    const c = coordinator();
    expect(c.commitError(simpleCommit('simple'))).toBe(0);
    expect(c.group('simple')?.state).toBe('Empty');
  });
});

describe('empty groups', () => {
  it('are forgotten as soon as the last member leaves, unless they have committed offsets', async () => {
    const withOffsets = new Set<string>(['kept']);
    const c = coordinator({}, (g) => withOffsets.has(g));
    for (const groupId of ['kept', 'forgotten']) {
      const a = await joinNew(c, 'a', { groupId });
      expect(c.group(groupId)?.state).toBe('CompletingRebalance');
      expect(c.leave(groupId, a.memberId, null)).toBe(0);
    }
    expect(c.group('kept')?.state).toBe('Empty');
    expect(c.group('forgotten')).toBeUndefined();
    // Once its offsets are gone (deleted, expired), the periodic sweep forgets the other one too.
    withOffsets.clear();
    c.forgetIdleGroups();
    expect([...c.groups.keys()]).toEqual([]);
  });

  it('are forgotten when the only member\'s session expires', async () => {
    const c = coordinator();
    const a = await joinNew(c, 'a', { sessionTimeoutMs: 50 });
    await syncAll(c, a, []);
    await vi.waitFor(() => expect(c.group(GROUP)).toBeUndefined(), { timeout: 10_000 });
  });

  it('are kept for a while after a simple consumer\'s commit was accepted, while the offsets may still be on their way to disk', () => {
    vi.useFakeTimers();
    const c = coordinator();
    expect(c.commitError(simpleCommit('simple'))).toBe(0);
    c.forgetIdleGroups();
    expect(c.group('simple')).toBeDefined();
    vi.advanceTimersByTime(60_000);
    c.forgetIdleGroups();
    expect(c.group('simple')).toBeUndefined();
  });
});

describe('member ids handed out with MEMBER_ID_REQUIRED (KIP-394)', () => {
  it('expire after the session timeout the member asked for, and the group goes with the last of them', async () => {
    vi.useFakeTimers();
    const c = coordinator();
    const first = await c.join(request('a', { sessionTimeoutMs: 1_000 }));
    expect(first.errorCode).toBe(MEMBER_ID_REQUIRED);
    expect(c.group(GROUP)!.pendingMembers.size).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(c.group(GROUP)!.pendingMembers.size).toBe(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(c.group(GROUP)).toBeUndefined();
    // The id is no good any more.
    expect((await c.join(request('a', { memberId: first.memberId }))).errorCode).toBe(UNKNOWN_MEMBER_ID);
  });
});

describe('group.max.size (groupMaxSize)', () => {
  it('counts members and handed-out member ids; more new members get GROUP_MAX_SIZE_REACHED until one goes', async () => {
    vi.useFakeTimers();
    const c = coordinator({ groupMaxSize: 3 });
    const pending = [];
    for (let i = 0; i < 3; i++) pending.push(await c.join(request(`m${i}`, { sessionTimeoutMs: 1_000 })));
    expect(pending.map((p) => p.errorCode)).toEqual([MEMBER_ID_REQUIRED, MEMBER_ID_REQUIRED, MEMBER_ID_REQUIRED]);
    const refused = await c.join(request('late'));
    expect(refused).toMatchObject({ errorCode: GROUP_MAX_SIZE_REACHED, memberId: '', generationId: -1 });
    expect(c.group(GROUP)!.size()).toBe(3);

    // A handed-out id is already counted: its second JoinGroup is admitted although the group is full.
    const joined = c.join(request('m0', { memberId: pending[0]!.memberId, sessionTimeoutMs: 1_000 }));
    expect(c.group(GROUP)!.members.has(pending[0]!.memberId)).toBe(true);
    expect((await c.join(request('late'))).errorCode).toBe(GROUP_MAX_SIZE_REACHED);

    // The other two ids expire unused; then there is room again.
    await vi.advanceTimersByTimeAsync(1_001);
    expect((await joined).errorCode).toBe(0);
    expect(c.group(GROUP)!.size()).toBe(1);
    expect((await c.join(request('late'))).errorCode).toBe(MEMBER_ID_REQUIRED);
  });

  it('lets a restarted static member take its own place in a full group', async () => {
    const c = coordinator({ groupMaxSize: 2 });
    const [a, b] = await Promise.all([c.join(request('a', { groupInstanceId: 'ia' })), c.join(request('b', { groupInstanceId: 'ib' }))]);
    const leader = a.memberId === a.leader ? a : b;
    await syncAll(c, leader, [leader === a ? b : a]);
    expect((await c.join(request('c', { groupInstanceId: 'ic' }))).errorCode).toBe(GROUP_MAX_SIZE_REACHED);
    expect((await c.join(request('b', { groupInstanceId: 'ib' }))).errorCode).toBe(0);
  });
});

describe('maxGroups', () => {
  it('refuses a new group with POLICY_VIOLATION, warns with what to do, and keeps serving the groups it has', async () => {
    const log = recordingLogger();
    const c = coordinator({ maxGroups: 2 }, () => true, log);
    await stableGroupOfTwo(c);
    expect(c.commitError(simpleCommit('second'))).toBe(0);
    expect((await c.join(request('x', { groupId: 'third' }))).errorCode).toBe(POLICY_VIOLATION);
    expect(c.commitError(simpleCommit('fourth'))).toBe(POLICY_VIOLATION);
    expect([...c.groups.keys()].sort()).toEqual([GROUP, 'second']);
    expect(log.warnings).toHaveLength(1); // at most one warning a minute, however many are refused
    expect(log.warnings[0]).toMatch(/maxGroups/);
    expect(log.warnings[0]).toMatch(/tributary groups delete/);

    // Existing groups still take members and commits.
    expect((await c.join(request('y'))).errorCode).toBe(MEMBER_ID_REQUIRED);
    expect(c.commitError(simpleCommit('second'))).toBe(0);
    // Once a group is gone, a new one fits again.
    c.remove('second');
    expect((await c.join(request('x', { groupId: 'third' }))).errorCode).toBe(MEMBER_ID_REQUIRED);
  });

  it('does not apply to groups loaded from stored offsets at start-up', () => {
    const c = coordinator({ maxGroups: 1 }, () => true);
    for (const g of ['a', 'b', 'c']) c.getOrCreate(g);
    expect(c.groups.size).toBe(3);
    expect(c.commitError(simpleCommit('d'))).toBe(POLICY_VIOLATION);
  });
});

// Drives a GroupCoordinator directly (no sockets) for the coordinator's unit tests: a factory whose coordinators are
// shut down after each test, JoinGroup requests, the two-step join of a v4+ member, and a Stable group of two.
import { afterEach, expect, vi } from 'vitest';
import { GroupCoordinator, type JoinRequest } from '../../src/broker/groups/group-coordinator.js';
import type { JoinResult, SyncResult } from '../../src/broker/groups/group.js';
import { silentLogger, type Logger } from '../../src/common/logger.js';
import { errorCode } from '../../src/protocol/errors.js';

export const INITIAL_DELAY_MS = 20;
export const SESSION_MS = 10_000;
export const GROUP = 'g';

export const MEMBER_ID_REQUIRED = errorCode('MEMBER_ID_REQUIRED');
export const REBALANCE_IN_PROGRESS = errorCode('REBALANCE_IN_PROGRESS');
export const ILLEGAL_GENERATION = errorCode('ILLEGAL_GENERATION');
export const UNKNOWN_MEMBER_ID = errorCode('UNKNOWN_MEMBER_ID');
export const INVALID_SESSION_TIMEOUT = errorCode('INVALID_SESSION_TIMEOUT');
export const INCONSISTENT_GROUP_PROTOCOL = errorCode('INCONSISTENT_GROUP_PROTOCOL');
export const FENCED_INSTANCE_ID = errorCode('FENCED_INSTANCE_ID');

const coordinators: GroupCoordinator[] = [];
afterEach(() => {
  for (const c of coordinators.splice(0)) c.shutdown(); // clears session and rebalance timers
  vi.useRealTimers();
});

type Config = ConstructorParameters<typeof GroupCoordinator>[0];

/** `hasOffsets` stands in for the offset store: by default no group has committed offsets. */
export function coordinator(overrides: Partial<Config> = {}, hasOffsets: (groupId: string) => boolean = () => false, log: Logger = silentLogger): GroupCoordinator {
  const c = new GroupCoordinator(
    { minSessionTimeoutMs: 10, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: INITIAL_DELAY_MS, groupMaxSize: 1_000, maxGroups: 1_000, ...overrides },
    log,
    hasOffsets,
  );
  coordinators.push(c);
  return c;
}
export const withOffsets = () => true;

export const metadata = (name: string) => Buffer.from(`subscription-of-${name}`);

export function request(client: string, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: GROUP,
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: SESSION_MS,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: metadata(client) }],
    clientId: client,
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** A new member's two JoinGroups (v4+): the first only hands out the member id. */
export async function joinNew(c: GroupCoordinator, client: string, overrides: Partial<JoinRequest> = {}): Promise<JoinResult> {
  const first = await c.join(request(client, overrides));
  expect(first.errorCode).toBe(MEMBER_ID_REQUIRED);
  expect(first.memberId).toMatch(new RegExp(`^${client}-`));
  return c.join(request(client, { ...overrides, memberId: first.memberId }));
}

export const rejoin = (c: GroupCoordinator, client: string, memberId: string, overrides: Partial<JoinRequest> = {}) =>
  Promise.resolve(c.join(request(client, { ...overrides, memberId })));

export const assignment = (text: string) => Buffer.from(text);

/** Leader syncs with assignments for everyone, followers with none; resolves with every member's answer. */
export async function syncAll(c: GroupCoordinator, leader: JoinResult, followers: JoinResult[]): Promise<Map<string, SyncResult>> {
  const assignments = [leader, ...followers].map((j) => ({ memberId: j.memberId, assignment: assignment(`for-${j.memberId}`) }));
  const pending = followers.map((f) => Promise.resolve(c.sync(GROUP, f.generationId, f.memberId, null, 'consumer', 'range', [])));
  const mine = Promise.resolve(c.sync(GROUP, leader.generationId, leader.memberId, null, 'consumer', 'range', assignments));
  const results = await Promise.all([mine, ...pending]);
  return new Map([leader, ...followers].map((j, i) => [j.memberId, results[i]!]));
}

/** Two members joined together and synced: generation 1, Stable. */
export async function stableGroupOfTwo(c: GroupCoordinator) {
  const [a, b] = await Promise.all([joinNew(c, 'a'), joinNew(c, 'b')]);
  const leader = a.memberId === a.leader ? a : b;
  const follower = leader === a ? b : a;
  await syncAll(c, leader, [follower]);
  expect(c.group(GROUP)!.state).toBe('Stable');
  return { leader, follower };
}

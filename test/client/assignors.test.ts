// The consumer protocol's bytes and the two classic assignors. Bytes are checked against kafkajs's own
// AssignerProtocol (a second implementation); assignments against the Java client's documented examples.
import kafkajs from 'kafkajs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeAssignor, roundRobinAssignor, type MemberSubscription } from '../../src/client/assignors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/client/consumer-protocol.js';
import { DecodeError } from '../../src/protocol/reader.js';

const { AssignerProtocol } = kafkajs;

describe('consumer protocol bytes', () => {
  it('a subscription reads the same in kafkajs, and kafkajs\'s reads the same here', () => {
    expect(AssignerProtocol.MemberMetadata.decode(encodeSubscription(['logs', 'metrics']))).toMatchObject({ version: 0, topics: ['logs', 'metrics'] });
    expect(decodeSubscription(AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['a', 'b'], userData: Buffer.from('u') }))).toEqual(['a', 'b']);
  });

  it('an assignment reads the same in kafkajs, and kafkajs\'s reads the same here', () => {
    const ours = encodeAssignment(new Map([['logs', [0, 2]], ['metrics', [1]]]));
    expect(AssignerProtocol.MemberAssignment.decode(ours)).toMatchObject({ version: 0, assignment: { logs: [0, 2], metrics: [1] } });
    const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { logs: [3, 1] }, userData: Buffer.alloc(0) });
    expect(decodeAssignment(theirs)).toEqual(new Map([['logs', [1, 3]]]));
    expect(decodeAssignment(Buffer.alloc(0))).toEqual(new Map());
  });

  it('refuses bytes that claim more than they hold', () => {
    expect(() => decodeAssignment(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toThrow(DecodeError);
    expect(() => decodeSubscription(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toThrow(DecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeAssignment(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

const members = (...ids: string[]): MemberSubscription[] => ids.map((memberId) => ({ memberId, topics: ['t0', 't1'] }));
const plain = (plan: Map<string, Map<string, number[]>>) =>
  Object.fromEntries([...plan].map(([member, a]) => [member, Object.fromEntries([...a].map(([t, p]) => [t, p]))]));

describe('assignors', () => {
  // The Java client's RangeAssignor javadoc: C0, C1 subscribed to t0, t1, each with 3 partitions.
  it('range: per topic, consecutive ranges, the first members getting the extra partition', () => {
    const counts = new Map([['t0', 3], ['t1', 3]]);
    expect(plain(rangeAssignor.assign(members('C1', 'C0'), counts))).toEqual({
      C0: { t0: [0, 1], t1: [0, 1] },
      C1: { t0: [2], t1: [2] },
    });
  });

  // The Java client's RoundRobinAssignor javadoc: the same group and topics.
  it('roundrobin: every partition of every topic dealt in turn', () => {
    const counts = new Map([['t0', 3], ['t1', 3]]);
    expect(plain(roundRobinAssignor.assign(members('C1', 'C0'), counts))).toEqual({
      C0: { t0: [0, 2], t1: [1] },
      C1: { t0: [1], t1: [0, 2] },
    });
  });

  it('roundrobin skips members not subscribed to a topic', () => {
    const subs: MemberSubscription[] = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ];
    // The javadoc's second example: t0 has 1 partition, t1 2, t2 3.
    expect(plain(roundRobinAssignor.assign(subs, new Map([['t0', 1], ['t1', 2], ['t2', 3]])))).toEqual({
      C0: { t0: [0] },
      C1: { t1: [0] },
      C2: { t1: [1], t2: [0, 1, 2] },
    });
  });

  it.each([rangeAssignor, roundRobinAssignor])('$name gives every partition to exactly one subscribed member', (assignor) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }), (memberCount, partitionCounts) => {
        const topics = partitionCounts.map((_, i) => `t${i}`);
        const subs = Array.from({ length: memberCount }, (_, i) => ({ memberId: `m${i}`, topics }));
        const plan = assignor.assign(subs, new Map(topics.map((t, i) => [t, partitionCounts[i]!])));
        for (const [i, t] of topics.entries()) {
          const owned = [...plan.values()].flatMap((a) => a.get(t) ?? []).sort((a, b) => a - b);
          expect(owned).toEqual(Array.from({ length: partitionCounts[i]! }, (_, k) => k));
        }
        const sizes = [...plan.values()].map((a) => [...a.values()].reduce((n, p) => n + p.length, 0));
        const total = partitionCounts.reduce((a, b) => a + b, 0);
        if (assignor === roundRobinAssignor) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
      }),
      { seed: 99, numRuns: 200 },
    );
  });
});

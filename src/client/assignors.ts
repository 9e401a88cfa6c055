// How the group leader splits partitions among members — Kafka's two classic assignors, with the same answers as
// the Java client's RangeAssignor and RoundRobinAssignor so a mixed group agrees on who reads what.
import type { Assignment } from './consumer-protocol.js';

export interface MemberSubscription {
  memberId: string;
  topics: string[];
}

export interface Assignor {
  /** The protocol name members announce in JoinGroup. */
  name: 'range' | 'roundrobin';
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Map<string, Assignment>;
}

const byMemberId = (a: MemberSubscription, b: MemberSubscription): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

function emptyAssignments(members: readonly MemberSubscription[]): Map<string, Assignment> {
  return new Map(members.map((m) => [m.memberId, new Map()]));
}

/** Per topic: members (sorted by id) take consecutive ranges; the first `partitions % members` get one more. */
export const rangeAssignor: Assignor = {
  name: 'range',
  assign(members, partitionCounts) {
    const out = emptyAssignments(members);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byMemberId);
      const count = partitionCounts.get(topic) ?? 0;
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        if (length > 0) out.get(m.memberId)!.set(topic, Array.from({ length }, (_, k) => start + k));
      });
    }
    return out;
  },
};

/** All partitions of all topics, sorted by topic then partition, dealt in turn to the members subscribed to each. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  assign(members, partitionCounts) {
    const out = emptyAssignments(members);
    const sorted = [...members].sort(byMemberId);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let next = 0;
    for (const topic of topics) {
      for (let partition = 0; partition < (partitionCounts.get(topic) ?? 0); partition++) {
        // The next member in the circle that subscribes to this topic.
        for (let tried = 0; tried < sorted.length; tried++) {
          const m = sorted[next % sorted.length]!;
          next++;
          if (!m.topics.includes(topic)) continue;
          const mine = out.get(m.memberId)!;
          mine.set(topic, [...(mine.get(topic) ?? []), partition]);
          break;
        }
      }
    }
    return out;
  },
};

export const ASSIGNORS: readonly Assignor[] = [rangeAssignor, roundRobinAssignor];

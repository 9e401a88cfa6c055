import type { ByteRequirement, Literal } from '../query/language/index.js';

/**
 * One byte requirement that holds for every record any of `reqs` (the byte requirements of several queries) could
 * match, cheap to test: one required literal (an "anchor") per query, deduplicated; for an AND the literal most
 * queries share, so 20 queries `"timeout" service:svcN` need one search for `timeout`, not twenty. 'any' when some
 * query requires no literal at all.
 */
export function anchorRequirement(reqs: readonly ByteRequirement[]): ByteRequirement {
  const literals = anchorLiterals(reqs);
  return literals ? { or: literals.map((literal) => ({ literal })) } : 'any';
}

/** The anchors of anchorRequirement, deduplicated; null when some query requires no literal. */
export function anchorLiterals(reqs: readonly ByteRequirement[]): Literal[] | null {
  const freq = new Map<string, number>();
  const key = (l: Literal) => `${l.caseSensitive ? 'c' : 'i'}${l.caseSensitive ? l.text : l.needle}`;
  const count = (r: ByteRequirement): void => {
    if (r === 'any') return;
    if ('literal' in r) freq.set(key(r.literal), (freq.get(key(r.literal)) ?? 0) + 1);
    else for (const c of 'and' in r ? r.and : r.or) count(c);
  };
  reqs.forEach(count);
  const anchors = (r: ByteRequirement): Literal[] | null => {
    if (r === 'any') return null;
    if ('literal' in r) return [r.literal];
    if ('or' in r) {
      const all = r.or.map(anchors);
      return all.some((a) => a === null) ? null : (all.flat() as Literal[]);
    }
    let best: Literal[] | null = null;
    let bestScore = -1;
    for (const c of r.and) {
      const a = anchors(c);
      if (!a) continue;
      const score = Math.min(...a.map((l) => freq.get(key(l)) ?? 0)) - a.length / 1000;
      if (score > bestScore) [best, bestScore] = [a, score];
    }
    return best;
  };
  const chosen = new Map<string, Literal>();
  for (const r of reqs) {
    const a = anchors(r);
    if (!a) return null;
    for (const l of a) chosen.set(key(l), l);
  }
  return chosen.size === 0 ? null : [...chosen.values()];
}

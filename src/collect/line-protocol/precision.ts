import { LineProtocolError } from './types.js';

/** Timestamp precisions of the write APIs. v1 (/write) also says n, u, m and h; v2 (/api/v2/write) ns, us, ms, s. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const NS_PER: Record<Precision, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const ALIASES: Record<string, Precision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', 'µ': 'us', µs: 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };

/** The precision named in a query string (default ns), or a LineProtocolError naming the accepted values. */
export function parsePrecision(name: string | null | undefined): Precision {
  if (name === null || name === undefined || name === '') return 'ns';
  const p = ALIASES[name];
  if (!p) throw new LineProtocolError(`unknown precision '${name}'; use ns, us, ms or s (v1 also n, u, m, h)`);
  return p;
}

export function nsPerUnit(p: Precision): bigint {
  return NS_PER[p];
}

import type { ByteRequirement } from './prefilter.js';

/*
 * Searches raw record bytes for the literals a query requires, before the records are decoded. Case-insensitive
 * literals are looked for in the bytes read as Latin-1 and lower-cased (both native, about a memory copy's cost):
 * that folds every byte that is an ASCII capital (and a few Latin-1 ones, harmlessly), so text that equals the literal
 * up to ASCII case is found. Literals without ASCII letters, and case-sensitive ones, are searched in the bytes as
 * they are, with no copy at all.
 */

type Compiled = { kind: 'raw'; bytes: Buffer } | { kind: 'folded'; text: string } | { kind: 'and' | 'or'; parts: Compiled[] };

function compile(req: Exclude<ByteRequirement, 'any'>): Compiled {
  if ('and' in req) return { kind: 'and', parts: req.and.map((r) => compile(r as Exclude<ByteRequirement, 'any'>)) };
  if ('or' in req) return { kind: 'or', parts: req.or.map((r) => compile(r as Exclude<ByteRequirement, 'any'>)) };
  const bytes = Buffer.from(req.literal.text, 'utf8');
  if (req.literal.caseSensitive || !/[A-Za-z]/.test(req.literal.text)) return { kind: 'raw', bytes };
  return { kind: 'folded', text: bytes.toString('latin1').toLowerCase() };
}

/** A test over raw bytes that is false only when no record in them can match. */
export function byteFilter(req: ByteRequirement): (buf: Buffer, start: number, end: number) => boolean {
  if (req === 'any') return () => true;
  const root = compile(req);
  return (buf, start, end) => {
    const raw = buf.subarray(start, end);
    let folded: string | null = null;
    const test = (c: Compiled): boolean => {
      switch (c.kind) {
        case 'raw':
          return raw.indexOf(c.bytes) >= 0;
        case 'folded':
          folded ??= raw.toString('latin1').toLowerCase();
          return folded.indexOf(c.text) >= 0;
        case 'and':
          return c.parts.every(test);
        case 'or':
          return c.parts.some(test);
      }
    };
    return test(root);
  };
}

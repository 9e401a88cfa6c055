import type { Literal } from './literal.js';
import type { ByteRequirement } from './prefilter.js';

/*
 * Searches raw record bytes for the literals a query requires, before the records are decoded. Case-sensitive
 * literals and literals without ASCII letters are searched in the bytes as they are (native Buffer.indexOf, no copy).
 * A case-insensitive literal is first looked for as written in lower case (found: done); only when that fails are the
 * bytes folded to lower case, once per call for all literals, into a scratch buffer, four bytes at a time (about
 * 1 GB/s, where String#toLowerCase on a Latin-1 copy runs at about 60 MB/s), and searched again.
 */

type Compiled = { kind: 'raw'; bytes: Buffer } | { kind: 'folded'; bytes: Buffer } | { kind: 'and' | 'or'; parts: Compiled[] };

type Required = Exclude<ByteRequirement, 'any'>;

function compile(req: Required): Compiled {
  if ('and' in req) return { kind: 'and', parts: req.and.map((r) => compile(r as Required)) };
  if ('or' in req) return { kind: 'or', parts: req.or.map((r) => compile(r as Required)) };
  const bytes = Buffer.from(req.literal.text, 'utf8');
  if (req.literal.caseSensitive || !/[A-Za-z]/.test(req.literal.text)) return { kind: 'raw', bytes };
  return { kind: 'folded', bytes: foldAscii(bytes) };
}

function foldAscii(b: Buffer): Buffer {
  return Buffer.from(b.map((x) => (x >= 0x41 && x <= 0x5a ? x + 0x20 : x)));
}

/** Scratch space for folded bytes, reused across calls; grows to the largest range seen. */
class Folder {
  private words = new Uint32Array(0);
  private bytes = Buffer.alloc(0);

  /** `src` with the ASCII capitals A-Z turned into a-z, every other byte kept (a view of the scratch space). */
  fold(src: Uint8Array): Buffer {
    const n = (src.length + 3) >>> 2;
    if (this.words.length < n) {
      this.words = new Uint32Array(Math.max(n, this.words.length * 2));
      this.bytes = Buffer.from(this.words.buffer);
    }
    this.bytes.set(src, 0);
    const w = this.words;
    for (let i = 0; i < n; i++) {
      const x = w[i]!;
      // Per byte: high bit of (low 7 bits + 0x3f) says ≥ 'A', of (low 7 bits + 0x25) says > 'Z'; bytes ≥ 0x80 are
      // excluded; the surviving high bit, shifted to 0x20, is the case bit. No carry crosses bytes (0x7f + 0x3f < 0x100).
      const h = x & 0x7f7f7f7f;
      const upper = (h + 0x3f3f3f3f) & ~(h + 0x25252525) & ~x & 0x80808080;
      w[i] = x | (upper >>> 2);
    }
    return this.bytes.subarray(0, src.length);
  }
}

/** A test over raw bytes that is false only when no record in them can match. */
export function byteFilter(req: ByteRequirement): (buf: Buffer, start: number, end: number) => boolean {
  if (req === 'any') return () => true;
  const root = compile(req);
  const folder = new Folder();
  return (buf, start, end) => {
    const raw = buf.subarray(start, end);
    let folded: Buffer | null = null;
    const test = (c: Compiled): boolean => {
      switch (c.kind) {
        case 'raw':
          return raw.indexOf(c.bytes) >= 0;
        case 'folded':
          if (raw.indexOf(c.bytes) >= 0) return true;
          folded ??= folder.fold(raw);
          return folded.indexOf(c.bytes) >= 0;
        case 'and':
          return c.parts.every(test);
        case 'or':
          return c.parts.some(test);
      }
    };
    return test(root);
  };
}

/**
 * Where any of `literals` occurs in a buffer, as [start, end) pairs sorted by start (flat: start, end, start, end…),
 * found as byteFilter finds them (case-insensitive ones in the buffer folded once). For a reader that asks of each of
 * many records in one buffer whether it holds one: one pass over the buffer per literal instead of a search per
 * record. Folding keeps every byte where it is, so positions are those of the buffer.
 */
export function literalOccurrences(literals: readonly Literal[]): (buf: Buffer) => number[] {
  const needles = literals.map((l) => compile({ literal: l }) as { kind: 'raw' | 'folded'; bytes: Buffer });
  const folder = new Folder();
  return (buf) => {
    const pairs: [number, number][] = [];
    let folded: Buffer | null = null;
    for (const n of needles) {
      if (n.bytes.length === 0) continue;
      const hay = n.kind === 'raw' ? buf : (folded ??= folder.fold(buf));
      for (let at = hay.indexOf(n.bytes); at >= 0; at = hay.indexOf(n.bytes, at + 1)) pairs.push([at, at + n.bytes.length]);
    }
    if (needles.length > 1) pairs.sort((a, b) => a[0] - b[0]);
    return pairs.flat();
  };
}

/**
 * Which of `literals` one byte range holds, found as byteFilter finds them, each looked for only when asked (the
 * range folded to lower case at most once, for all the case-insensitive ones). For a reader that tells many queries'
 * required literals apart on one record: a few native searches of its bytes instead of testing every query.
 */
export class LiteralPresence {
  private readonly needles: { kind: 'raw' | 'folded'; bytes: Buffer }[];
  private readonly folder = new Folder();
  /** Per literal: 0 not looked for yet in this range, 1 absent, 2 present. */
  private readonly known: Uint8Array;
  private raw: Buffer = Buffer.alloc(0);
  private folded: Buffer | null = null;

  constructor(literals: readonly Literal[]) {
    this.needles = literals.map((l) => compile({ literal: l }) as { kind: 'raw' | 'folded'; bytes: Buffer });
    this.known = new Uint8Array(literals.length);
  }

  /** The range the next has() calls are about. */
  reset(buf: Buffer, start: number, end: number): void {
    this.raw = buf.subarray(start, end);
    this.folded = null;
    this.known.fill(0);
  }

  /** Whether the range holds literal `k` (its index in the constructor's list). */
  has(k: number): boolean {
    const seen = this.known[k]!;
    if (seen !== 0) return seen === 2;
    const n = this.needles[k]!;
    // A lower-case needle found in the bytes as they are is found in them folded too: search the folded bytes once.
    const hay = n.kind === 'raw' ? this.raw : (this.folded ??= this.folder.fold(this.raw));
    const found = hay.indexOf(n.bytes) >= 0;
    this.known[k] = found ? 2 : 1;
    return found;
  }
}

// Settings for the property-based fuzz tests (fast-check): bounded, seeded, replayable.
//
// Each test file has its own seed, derived from its file name, so every run of `npm test` checks the same inputs
// (a failure in CI is a failure on your machine) while different files explore differently. To explore further:
//   TRIBUTARY_FUZZ_SEED=random npx vitest run test/protocol/request-decode.fuzz.test.ts   (a new seed each run)
//   TRIBUTARY_FUZZ_RUNS=10 npx vitest run test/…fuzz.test.ts                                (10× the runs)
// A failing property prints its counterexample and `{ seed: S, path: "P" }`; replay exactly that case with
//   TRIBUTARY_FUZZ_SEED=S TRIBUTARY_FUZZ_PATH=P npx vitest run <the file> -t '<the test name>'
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

/** FNV-1a of a string as a 32-bit signed integer (fast-check seeds are 32-bit). */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

function seedFor(file: string): number {
  const env = process.env.TRIBUTARY_FUZZ_SEED;
  if (env === 'random') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new Error(`TRIBUTARY_FUZZ_SEED must be an integer or "random", got ${JSON.stringify(env)}`);
    return n | 0;
  }
  return hashSeed(file);
}

/**
 * fast-check parameters for the test file at `fileUrl` (pass `import.meta.url`): its seed (see above), `numRuns`
 * runs (times TRIBUTARY_FUZZ_RUNS when set), and the replay path when TRIBUTARY_FUZZ_PATH is set.
 */
export function fuzzParams<T = unknown>(fileUrl: string, numRuns: number): fc.Parameters<T> {
  const file = basename(fileURLToPath(fileUrl));
  const factor = Number(process.env.TRIBUTARY_FUZZ_RUNS ?? 1);
  const path = process.env.TRIBUTARY_FUZZ_PATH;
  return {
    seed: seedFor(file),
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1))),
    ...(path ? { path, endOnFailure: true } : {}),
  };
}

/** Cut points for splitting `length` bytes into chunks: any number of them, anywhere (duplicates make empty chunks). */
export const cutPoints = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: length }), { maxLength: Math.min(64, length + 1) }).map((a) => [...a].sort((x, y) => x - y));

/** `data` split at `cuts` (sorted offsets). */
export function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(data.subarray(from, c));
    from = c;
  }
  out.push(data.subarray(from));
  return out;
}

/** Mutations of a valid input: flip, overwrite, insert and delete bytes, truncate, extend. */
export function mutated(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([buf, edits]) => {
    let b = Buffer.from(buf);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % (b.length + (e.kind === 'insert' ? 1 : 0));
      if (e.kind === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << e.bit);
      else if (e.kind === 'set' && b.length > 0) b[at] = e.byte;
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
      else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.n)]);
      else if (e.kind === 'truncate') b = b.subarray(0, at);
    }
    return b;
  });
}

// Scaling checks for parsers of outside input: grow a hostile input 10× and check that the work grows no more than
// ~20× (linear is 10×, n log n a little more, quadratic 100×). Built to pass on a busy 2-core machine:
// - CPU time of this process (user + system), not wall-clock time, so time spent waiting for a core is not counted
//   (vitest runs each test file in its own process);
// - each measurement repeats the call until it costs tens of milliseconds, so timer resolution and jitter are small
//   next to it; the repetition count is calibrated at the small size and kept for the large one;
// - small and large runs alternate and each keeps its minimum, so a busy spell slows both sizes, not one, and a run
//   slowed by a cache-thrashing neighbour does not fail the test (a case stops once its minimums are within bounds);
// - only ratios are compared, never milliseconds;
// - inputs stay below V8's large-object threshold (strings over ~128 KiB are allocated in another space and cost
//   about 4× more per byte to make and copy), so the 10× step does not cross it: a large string input may have at
//   most MAX_INPUT_CHARS characters.
// A quadratic parser fails after a few large runs (bounded by `budgetMs` of CPU), without waiting for the minimum.
import { expect } from 'vitest';

export const MAX_INPUT_CHARS = 120_000;

export interface ScalingCase<T> {
  /** What is measured, for the failure message. */
  name: string;
  /** The hostile input of size n. */
  make: (n: number) => T;
  /** One call of the parser; expected errors are caught inside. */
  run: (input: T) => void;
  /** The small size; the large one is 10× that. */
  n: number;
  /** Largest allowed time ratio (default 20). */
  maxRatio?: number;
  /** Target CPU time of one small measurement (default 25 ms). */
  targetMs?: number;
  /** At most this many runs at each size (default 10; a case within bounds stops after 2). */
  runs?: number;
  /** CPU spent on large runs after which the case fails without more runs (default 4 s). */
  budgetMs?: number;
}

export interface ScalingResult {
  name: string;
  /** Calls per measurement. */
  reps: number;
  smallMs: number;
  largeMs: number;
  ratio: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure<T>(run: (input: T) => void, input: T, reps: number): number {
  const t0 = cpuMs();
  for (let i = 0; i < reps; i++) run(input);
  return cpuMs() - t0;
}

/** Measures one case; does not assert (see expectLinear). */
export function measureScaling<T>(c: ScalingCase<T>): ScalingResult {
  const { targetMs = 25, runs = 10, maxRatio = 20, budgetMs = 4000 } = c;
  const small = c.make(c.n);
  const large = c.make(c.n * 10);
  const chars = typeof large === 'string' ? large.length : Array.isArray(large) ? large.reduce((a: number, x) => a + (typeof x === 'string' ? x.length : 0), 0) : 0;
  if (chars > MAX_INPUT_CHARS) throw new Error(`${c.name}: the large input has ${chars} characters; choose n so it stays under ${MAX_INPUT_CHARS}`);
  // Warm up (the JIT optimizes only after many calls), then find how many calls make a measurement of about targetMs.
  for (let spent = 0, calls = 0; calls < 3 || (spent < 3 * targetMs && calls < 100_000); calls++) spent += measure(c.run, small, 1);
  let reps = 1;
  while (reps < 1_000_000 && Math.min(measure(c.run, small, reps), measure(c.run, small, reps)) < targetMs) reps *= 2;
  // Small and large runs alternate, so a busy spell on the machine slows both rather than one; each keeps its minimum.
  // The case passes as soon as the minimums are within bounds; a quadratic case stops once budgetMs is spent.
  let smallMs = Infinity;
  let largeMs = Infinity;
  let spent = 0;
  for (let i = 0; i < runs && spent < budgetMs; i++) {
    smallMs = Math.min(smallMs, measure(c.run, small, reps));
    const t = measure(c.run, large, reps);
    spent += t;
    largeMs = Math.min(largeMs, t);
    // Clearly linear after one pair, or within bounds after two: enough measurements.
    if (largeMs <= smallMs * maxRatio * (i === 0 ? 0.75 : 1)) break;
  }
  return { name: c.name, reps, smallMs, largeMs, ratio: largeMs / smallMs };
}

/** Asserts that the case's time grows at most maxRatio× (default 20×) when its input grows 10×. */
export function expectLinear<T>(c: ScalingCase<T>): ScalingResult {
  // A neighbour that thrashes the shared cache for seconds slows the large input (which does not fit in cache) and
  // not the small one, for as long as it runs: seen once as ×22 on a linear case in CI. A case over bounds is measured
  // afresh up to twice more; a super-linear parser fails every time (×100 for quadratic).
  let r = measureScaling(c);
  for (let again = 0; again < 2 && r.ratio > (c.maxRatio ?? 20); again++) r = measureScaling(c);
  const detail = `${r.name}: n=${c.n} → ${c.n * 10}, ${r.reps} call(s) per run: ${r.smallMs.toFixed(1)} ms → ${r.largeMs.toFixed(1)} ms CPU (×${r.ratio.toFixed(1)})`;
  if (process.env.TRIBUTARY_SCALING_REPORT) console.log(detail);
  expect(r.ratio, `${detail}; more than ×${c.maxRatio ?? 20} means worse than linear`).toBeLessThanOrEqual(c.maxRatio ?? 20);
  return r;
}

/** Runs `fn`, swallowing an exception (a parser refusing hostile input is fine; only its cost is measured). */
export function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // refused: expected for most hostile inputs
  }
}

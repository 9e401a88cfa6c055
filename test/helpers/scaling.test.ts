// The scaling helper must tell a quadratic parser from a linear one, or every *.scaling.test.ts proves nothing.
import { describe, expect, it } from 'vitest';
import { measureScaling } from './scaling.js';

function quadratic(s: string): number {
  // Re-scans the prefix for every character, as a parser re-scanning its pending line on each chunk would.
  let found = 0;
  for (let i = 0; i < s.length; i++) if (s.lastIndexOf('x', i) >= 0) found++;
  return found;
}

function linear(s: string): number {
  let found = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 120) found++;
  return found;
}

describe('measureScaling', () => {
  it('sees a quadratic parser grow far more than 20× for 10× the input', () => {
    const r = measureScaling({ name: 'quadratic', n: 1_000, make: (n) => 'a'.repeat(n), run: quadratic, budgetMs: 1_500 });
    expect(r.ratio).toBeGreaterThan(40);
  }, 60_000);

  it('sees a linear parser grow about 10×', () => {
    const r = measureScaling({ name: 'linear', n: 2_000, make: (n) => 'a'.repeat(n), run: linear });
    expect(r.ratio).toBeGreaterThan(5);
    expect(r.ratio).toBeLessThanOrEqual(20);
  }, 60_000);
});

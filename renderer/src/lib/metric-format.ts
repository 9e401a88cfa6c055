// Numbers on metric charts: compact on the axis (`1.2k`, `3.4M`, `0.05`), a few more digits in the legend.

const SUFFIXES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

export function fmtNumber(v: number, precise = false): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  for (const [n, s] of SUFFIXES) if (a >= n) return `${trim((v / n).toFixed(precise ? 3 : 1))}${s}`;
  if (a === 0) return '0';
  if (a >= 100) return trim(v.toFixed(precise ? 1 : 0));
  if (a >= 1) return trim(v.toFixed(precise ? 3 : 2));
  return trim(v.toPrecision(precise ? 4 : 2));
}

const trim = (s: string) => (s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s);

/** Series colours that read on both themes (Tableau 10, then a second round a little darker). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#2f5d8a', '#c46e12', '#b33a3c', '#4f8f8a', '#3d7a35', '#b8962a', '#87598a', '#cc6f7a', '#735343', '#8a827e'];

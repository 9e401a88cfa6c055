// Property-based fuzzing of the Prometheus text parser (fast-check; seed and replay: test/helpers/fuzz.ts): generated
// expositions parse back to the samples they were written from, and arbitrary text only ever fails with
// ExpositionError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition } from '../../src/collect/prometheus/parse.js';
import { fuzzParams } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);

const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,12}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
const labelValue = fc.string({ maxLength: 12, unit: fc.oneof(fc.constantFrom('\\', '"', '\n', ' ', ',', '}', '{', '=', '#'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) });
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
  fc.constantFrom(Infinity, -Infinity, NaN),
);

interface Written {
  name: string;
  labels: [string, string][];
  value: number;
  timestampMs: number | null;
  type: string | null;
}

const sample: fc.Arbitrary<Written> = fc.record({
  name: metricName,
  labels: fc.uniqueArray(fc.tuple(labelName, labelValue), { maxLength: 4, selector: ([k]) => k }),
  value,
  timestampMs: fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: null }),
  type: fc.option(fc.constantFrom('counter', 'gauge', 'untyped', 'GAUGE'), { nil: null }),
});

const goFloat = (v: number) => (Number.isNaN(v) ? fc.constantFrom('NaN', 'nan') : v === Infinity ? fc.constantFrom('+Inf', 'Inf', '+inf') : v === -Infinity ? fc.constant('-Inf') : fc.constantFrom(String(v), v.toExponential(), String(v).replace(/^(-?)0\./, '$1.')));
const escapeValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const blanks = fc.constantFrom(' ', '  ', '\t', ' \t ');

/** Writes samples as exposition text the way exporters vary it: blanks, trailing commas, CRLF, comments. */
const exposition = fc.array(sample, { maxLength: 6 }).chain((samples) =>
  fc
    .tuple(
      ...samples.map((s) =>
        fc.tuple(goFloat(s.value), blanks, fc.boolean(), fc.constantFrom('\n', '\r\n'), fc.option(fc.constantFrom('# HELP x y', '#', '# EOF'), { nil: null })).map(
          ([v, gap, trailingComma, eol, comment]) => {
            const labels = s.labels.length === 0 ? '' : `{${s.labels.map(([k, x]) => `${k}="${escapeValue(x)}"`).join(',')}${trailingComma ? ',' : ''}}`;
            const type = s.type === null ? '' : `# TYPE ${s.name} ${s.type}${eol}`;
            return `${comment === null ? '' : comment + eol}${type}${s.name}${labels}${gap}${v}${s.timestampMs === null ? '' : `${gap}${s.timestampMs}`}${eol}`;
          },
        ),
      ),
    )
    .map((lines) => ({ samples, text: lines.join('') })),
);

describe('Prometheus text parser fuzzing', () => {
  it('parses generated expositions back to their samples', () => {
    fc.assert(
      fc.property(exposition, ({ samples, text }) => {
        const got = parseExposition(text);
        expect(got).toHaveLength(samples.length);
        got.forEach((g, i) => {
          const s = samples[i]!;
          expect(g.name).toBe(s.name);
          expect(Object.entries(g.labels)).toEqual(s.labels);
          expect(Object.is(g.value, s.value) || (Number.isNaN(g.value) && Number.isNaN(s.value))).toBe(true);
          expect(g.timestampMs).toBe(s.timestampMs);
          // The type of a sample is that of the last TYPE line for its name before it (exporters write one).
          const lastType = samples.slice(0, i + 1).reverse().find((x) => x.name === s.name && x.type !== null)?.type;
          expect(g.type).toBe(lastType ? lastType.toLowerCase() : 'untyped');
        });
      }),
      params(1000),
    );
  }, 60_000);

  it('arbitrary text parses or fails with ExpositionError naming a line', () => {
    const text = fc.string({
      maxLength: 80,
      unit: fc.oneof(fc.constantFrom('{', '}', '"', '\\', '=', ',', ' ', '\t', '\n', '#', 'TYPE', 'm', 'e', '1', '.', '+', '-', 'Inf', 'NaN'), fc.string({ minLength: 1, maxLength: 1 })),
    });
    fc.assert(
      fc.property(text, fc.boolean(), (t, openMetrics) => {
        try {
          parseExposition(t, { openMetrics, maxLineBytes: 60 });
        } catch (e) {
          if (!(e instanceof ExpositionError)) throw e;
          expect(e.message).toMatch(/^line \d+: /);
        }
      }),
      params(3000),
    );
  }, 60_000);
});

// The store's byte scanner against the general line-protocol parser: for any line (well-formed points, their
// near misses, arbitrary text) both accept or both refuse, and accepted lines give the same series, the same numeric
// values (integers and unsigned as doubles, booleans 0/1), the same skipped string fields and the same ms timestamp.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLine, integer, isSkippableLine, LineProtocolError, nsToMs, parseLine, unsigned, type FieldInput } from '../../../src/collect/line-protocol/index.js';
import { parseKey, scanLine, ScannedLine } from '../../../src/metrics/store/line-scanner.js';
import { fuzzParams } from '../../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);

type Outcome = { kind: 'skip' } | { kind: 'bad' } | { kind: 'point'; measurement: string; tags: Record<string, string>; fields: Record<string, number>; skipped: number; ts: number | null };

function oracle(line: string): Outcome {
  if (isSkippableLine(line)) return { kind: 'skip' };
  try {
    const p = parseLine(line, 'ns');
    const fields: Record<string, number> = {};
    let skipped = 0;
    for (const [k, f] of Object.entries(p.fields)) {
      if (f.type === 'string') skipped++;
      else fields[k] = f.type === 'boolean' ? (f.value ? 1 : 0) : Number(f.value);
    }
    return { kind: 'point', measurement: p.measurement, tags: { ...p.tags }, fields, skipped, ts: p.timestampNs === null ? null : nsToMs(p.timestampNs) };
  } catch (e) {
    if (e instanceof LineProtocolError) return { kind: 'bad' };
    throw e;
  }
}

function scanned(line: string): Outcome {
  const buf = Buffer.from(`xx${line}yy`); // the line in the middle of a larger buffer, as in a record batch
  const out = new ScannedLine();
  const r = scanLine(buf, 2, buf.length - 2, out);
  if (r !== 'point') return { kind: r };
  let measurement = out.measurement;
  let tags = out.tags ? { ...out.tags } : {};
  const fields: Record<string, number> = {};
  if (out.fast) {
    const k = parseKey(buf, out.keyStart, out.keyEnd);
    if (typeof k === 'string') return { kind: 'bad' };
    measurement = k.measurement;
    tags = { ...k.tags };
    for (let i = 0; i < out.fieldCount; i++) fields[buf.toString('utf8', out.fieldStarts[i], out.fieldEnds[i])] = out.values[i]!;
  } else for (let i = 0; i < out.fieldCount; i++) fields[out.fieldKeys[i]!] = out.values[i]!;
  return { kind: 'point', measurement, tags, fields, skipped: out.skippedFields, ts: Number.isNaN(out.timestampMs) ? null : out.timestampMs };
}

function same(line: string): void {
  const want = oracle(line);
  const got = scanned(line);
  if (want.kind === 'point' && got.kind === 'point') {
    // A field written twice: the general parser keeps the last, as the store does when it applies both in order.
    expect(got, JSON.stringify(line)).toEqual(want);
  } else expect(got.kind, JSON.stringify(line)).toBe(want.kind);
}

const token = fc.constantFrom(',', '=', ' ', ' ', '"', '\\', '#', '\t', '\r', 'i', 'u', 't', 'T', 'f', 'e', 'E', '+', '-', '.', '0', '1', '9', 'é', 'cpu', 'host', 'true');
const noise = fc.string({ maxLength: 40, unit: fc.oneof(token, fc.string({ minLength: 1, maxLength: 1 })) });

const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => (n / 100).toString()),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 65n }).map((n) => `${n}i`),
  fc.bigInt({ min: -5n, max: 2n ** 65n }).map((n) => `${n}u`),
  fc.constantFrom('1e308', '1e309', '-1e400', '.5', '5.', '-.5', '1e', '0x10', '00012', '1.2.3', '-', '.', 't', 'FALSE', 'nope', '"str"', '"a,b=c d"', '123456789012345678901234'),
);
const ident = fc.string({ minLength: 0, maxLength: 6, unit: fc.constantFrom('a', 'b', 'z', '_', '1', 'é', '=', ',', ' ', '\\') });
const timestamp = fc.oneof(
  fc.constant(''),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => ` ${n}`),
  fc.integer({ min: -5_000_000, max: 5_000_000 }).map((n) => ` ${n}`),
  fc.constantFrom(' 1700000000123456789', ' -1', ' 0012', ' 12x', '  17 ', ' 1.5'),
);
const shapedLine = fc
  .tuple(ident, fc.array(fc.tuple(ident, ident), { maxLength: 3 }), fc.array(fc.tuple(ident, numberText), { minLength: 0, maxLength: 4 }), timestamp, fc.constantFrom('', '\r', ' '), fc.constantFrom('', ' ', '\t'))
  .map(([m, tags, fields, ts, tail, lead]) => `${lead}${m}${tags.map(([k, v]) => `,${k}=${v}`).join('')} ${fields.map(([k, v]) => `${k}=${v}`).join(',')}${ts}${tail}`);

const fieldInput: fc.Arbitrary<FieldInput> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => integer(v)),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => unsigned(v)),
  fc.boolean(),
  fc.string({ maxLength: 5 }),
);
const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[\\\n\r\t\f]/.test(s));
const encodedLine = fc
  .record({
    measurement: name,
    tags: fc.dictionary(name, name, { maxKeys: 3 }),
    fields: fc.dictionary(name, fieldInput, { minKeys: 1, maxKeys: 4 }),
    timestampNs: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
  })
  .map((p) => encodeLine(p));

describe('line scanner vs parseLine', () => {
  it('agrees on hand-picked lines', () => {
    for (const line of [
      'cpu,host=a usage=1.5,idle=98i,on=true,big=18446744073709551615u 1700000000123456789',
      'cpu value=-0.0', 'cpu value=-0i', 'cpu value=1e5,x=.5,y=5.', 'cpu value=9007199254740993', 'cpu value=0.1234567890123456789',
      'cpu value=1 -1', 'cpu value=1 -1000001', 'cpu value=1 9223372036854775808', 'cpu value=1 -9223372036854775808', 'cpu value=1 0000000000000000000000001',
      '  cpu value=1\r', 'cpu value=1\r\r', '\tcpu value=1', '# comment', '   ', '\u00a0', 'cpu', 'cpu ', ',a=b x=1', 'cpu,a= x=1', 'cpu,=b x=1', 'cpu,a=b=c x=1',
      'cpu,a=b,a=c x=1', 'cpu x=1,x=2', 'cpu x=1,', 'cpu x=1 2 3', 'cpu x="s",y=1', 'cp\\ u,h\\,o=a\\ b x=1', 'é,ü=ö ä=1', 'cpu ä=1', 'cpu x=1i2', 'cpu x=+1',
      'cpu x=1e400', 'cpu x=123456789012345678901234567890i', 'cpu x=-9223372036854775808i', 'cpu x=-9223372036854775809i', 'cpu x=-1u', 'cpu x=t,y=FALSE,z=True',
    ]) same(line);
  });

  it('agrees on encoded points', () => {
    fc.assert(fc.property(encodedLine, (line) => same(line)), params(400));
  });

  it('agrees on line-shaped near misses', () => {
    fc.assert(fc.property(shapedLine, (line) => same(line)), params(1500));
  });

  it('agrees on arbitrary text', () => {
    fc.assert(fc.property(noise, (line) => same(line.replace(/\n/g, ''))), params(1500));
  });
});

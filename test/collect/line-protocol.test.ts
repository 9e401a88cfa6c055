import { describe, expect, it } from 'vitest';
import {
  encodeLine,
  integer,
  LineProtocolError,
  parseLine,
  parsePrecision,
  pointToRecord,
  seriesKey,
  unsigned,
} from '../../src/collect/line-protocol/index.js';

describe('line protocol parser', () => {
  it('parses measurement, tags, every field type and the timestamp', () => {
    const p = parseLine('cpu,host=a,region=eu-west usage=0.5,count=12i,big=18446744073709551615u,name="x y",ok=true,bad=F 1700000000000000000');
    expect(p).toEqual({
      measurement: 'cpu',
      tags: { host: 'a', region: 'eu-west' },
      fields: {
        usage: { type: 'float', value: 0.5 },
        count: { type: 'integer', value: 12n },
        big: { type: 'unsigned', value: 18446744073709551615n },
        name: { type: 'string', value: 'x y' },
        ok: { type: 'boolean', value: true },
        bad: { type: 'boolean', value: false },
      },
      timestampNs: 1700000000000000000n,
    });
  });

  it('accepts every float spelling InfluxDB does and every boolean spelling', () => {
    const p = parseLine('m a=1,b=-1.5,c=1e3,d=.5,e=1.,f=-2E-2,g=t,h=T,i=true,j=True,k=TRUE,l=f,m=false,n=False,o=FALSE');
    expect(Object.values(p.fields).map((f) => f.value)).toEqual([1, -1.5, 1000, 0.5, 1, -0.02, true, true, true, true, true, false, false, false, false]);
  });

  it('applies the escaping rules of each part', () => {
    const p = parseLine('my\\ meas\\,ure=x,ta\\ g\\=k=v\\,a\\ l\\=ue fi\\ eld\\,k\\=="q\\"uo\\\\te\\n",x=1');
    expect(p.measurement).toBe('my meas,ure=x');
    expect(p.tags).toEqual({ 'ta g=k': 'v,a l=ue' });
    expect(p.fields['fi eld,k=']).toEqual({ type: 'string', value: 'q"uo\\te\\n' });
    expect(p.fields.x).toEqual({ type: 'float', value: 1 });
  });

  it('keeps spaces, commas and equals signs inside string values', () => {
    expect(parseLine('m s="a, b=c d" 5').fields.s).toEqual({ type: 'string', value: 'a, b=c d' });
  });

  it('scales the timestamp by precision', () => {
    expect(parseLine('m v=1 1700000000', 's').timestampNs).toBe(1700000000000000000n);
    expect(parseLine('m v=1 1700000000000', 'ms').timestampNs).toBe(1700000000000000000n);
    expect(parseLine('m v=1 1700000000000000', 'us').timestampNs).toBe(1700000000000000000n);
    expect(parseLine('m v=1 -5', 'ns').timestampNs).toBe(-5n);
    expect(parseLine('m v=1').timestampNs).toBeNull();
    expect(parsePrecision('u')).toBe('us');
    expect(parsePrecision(null)).toBe('ns');
    expect(() => parsePrecision('fortnight')).toThrow(/unknown precision 'fortnight'; use ns, us, ms or s/);
  });

  it.each([
    ['', /missing measurement/],
    ['cpu', /has no fields/],
    ['cpu ', /has no fields/],
    [',host=a v=1', /missing measurement/],
    ['cpu,host v=1', /tag 'host' has no value/],
    ['cpu,host= v=1', /tag 'host' has an empty value/],
    ['cpu,=a v=1', /empty tag key/],
    ['cpu v', /field 'v' has no value/],
    ['cpu v=', /field 'v' has an empty value/],
    ['cpu =1', /empty field key/],
    ['cpu v=abc', /invalid field value "abc" for field 'v'/],
    ['cpu v=1.2.3', /invalid field value "1.2.3"/],
    ['cpu v=1.5i', /invalid field value "1.5i"/],
    ['cpu v=-1u', /invalid field value "-1u"/],
    ['cpu v=9223372036854775808i', /outside the signed 64-bit range/],
    ['cpu v=18446744073709551616u', /outside the unsigned 64-bit range/],
    ['cpu v=NaN', /invalid field value "NaN"/],
    ['cpu v=1e999', /out of range/],
    ['cpu v="open', /no closing quote/],
    ['cpu v=1 12x', /invalid timestamp "12x"/],
    ['cpu v=1 12 13', /unexpected text "13" after the timestamp/],
    ['cpu v=1 99999999999999999999', /invalid timestamp|outside the 64-bit/],
  ])('rejects %j', (line, error) => {
    expect(() => parseLine(line)).toThrow(LineProtocolError);
    expect(() => parseLine(line)).toThrow(error);
  });
});

describe('line protocol encoder', () => {
  it('writes canonical lines: tags sorted, empty tags dropped, typed fields, ns timestamp', () => {
    const line = encodeLine({
      measurement: 'disk',
      tags: { path: '/', host: 'web-1', empty: '' },
      fields: { free: integer(1024), inodes: unsigned(7), pct: 12.5, ro: false, fs: 'ext4' },
      timestampNs: 1700000000000000000n,
    });
    expect(line).toBe('disk,host=web-1,path=/ free=1024i,inodes=7u,pct=12.5,ro=false,fs="ext4" 1700000000000000000');
  });

  it('escapes what needs escaping and round-trips through the parser', () => {
    const p = {
      measurement: 'a b,c=d',
      tags: { 'k y,=': 'v a,l=ue' },
      fields: { 'f k': 'say "hi" \\o/', n: -0.25 },
      timestampNs: 42n,
    };
    const line = encodeLine(p);
    expect(line).toBe('a\\ b\\,c=d,k\\ y\\,\\==v\\ a\\,l\\=ue f\\ k="say \\"hi\\" \\\\o/",n=-0.25 42');
    const back = parseLine(line);
    expect(back.measurement).toBe(p.measurement);
    expect(back.tags).toEqual(p.tags);
    expect(back.fields['f k']).toEqual({ type: 'string', value: p.fields['f k'] });
  });

  it('keeps the line intact when a name has backslashes before escaped characters or at its end (found by fuzzing)', () => {
    // Line protocol pairs every backslash with the next character, so `C:\DIR\` followed by the separator, or
    // `a\` followed by an escaped comma, cannot be written exactly: the odd backslash run gains one.
    const line = encodeLine({ measurement: 'm\\', tags: { path: 'C:\\DIR\\', k: 'a\\,b', even: 'x\\\\' }, fields: { 'f\\': 1 } });
    expect(line).toBe('m\\\\,even=x\\\\,k=a\\\\\\,b,path=C:\\DIR\\\\ f\\\\=1');
    const back = parseLine(line);
    expect(back.measurement).toBe('m\\\\');
    expect({ ...back.tags }).toEqual({ even: 'x\\\\', k: 'a\\\\,b', path: 'C:\\DIR\\\\' });
    expect(Object.keys(back.fields)).toEqual(['f\\\\']);
    expect(encodeLine(back)).toBe(line); // and that is stable
  });

  it('keeps each point on one line (newlines become backslash-n), and encoding what was read gives the same line', () => {
    const line = encodeLine({ measurement: 'm', tags: { t: 'a\nb' }, fields: { s: 'x\ny' } });
    // In a string value the backslash is escaped too: InfluxDB reads `x\ny` either way, but only this form is stable
    // under parse → encode (Telegraf's `"x\ny"` reads back as backslash-n, which encodes as `"x\\ny"`).
    expect(line).toBe('m,t=a\\nb s="x\\\\ny"');
    expect(parseLine(line).fields.s).toEqual({ type: 'string', value: 'x\\ny' });
    expect(encodeLine(parseLine(line))).toBe(line);
  });

  it('refuses points InfluxDB would refuse', () => {
    expect(() => encodeLine({ measurement: 'm', fields: {} })).toThrow(/no fields/);
    expect(() => encodeLine({ measurement: '', fields: { v: 1 } })).toThrow(/measurement name is empty/);
    expect(() => encodeLine({ measurement: 'm', fields: { v: NaN } })).toThrow(/no NaN or infinite/);
    expect(() => integer(2n ** 63n)).toThrow(/signed 64-bit/);
    expect(() => unsigned(-1)).toThrow(/unsigned 64-bit/);
  });

  it('makes a record: value the line with a timestamp, key the series, header format influx', () => {
    const r = pointToRecord({ measurement: 'cpu', tags: { z: '1', a: '2' }, fields: { v: 1 } }, 1700000000123, { host: 'h' });
    expect(r).toEqual({
      value: 'cpu,a=2,z=1 v=1 1700000000123000000',
      key: 'cpu,a=2,z=1',
      timestamp: 1700000000123,
      headers: { host: 'h', format: 'influx' },
    });
    expect(seriesKey('cpu')).toBe('cpu');
  });

  it('keeps tags and fields called __proto__, and refuses over-long numbers as out of range without converting them', () => {
    const p = parseLine('m,__proto__=t __proto__=1i,constructor=2i');
    expect(Object.keys(p.tags)).toEqual(['__proto__']);
    expect(Object.keys(p.fields)).toEqual(['__proto__', 'constructor']);
    expect(encodeLine(p)).toBe('m,__proto__=t __proto__=1i,constructor=2i');
    expect(parseLine(`m v=${'0'.repeat(500)}42i ${'0'.repeat(300)}7`)).toMatchObject({ fields: { v: { type: 'integer', value: 42n } }, timestampNs: 7n });
    expect(() => parseLine(`m v=${'9'.repeat(100_000)}i`)).toThrow(/^integer value 9{40}… of field 'v' is outside the signed 64-bit range$/);
    expect(() => parseLine(`m v=${'9'.repeat(21)}u`)).toThrow(/unsigned value 9+u of field 'v' is outside the unsigned 64-bit range/);
    expect(() => parseLine(`m v=1 ${'9'.repeat(100_000)}`)).toThrow(/^timestamp 9{40}… \(ns\) is outside the 64-bit nanosecond range$/);
    expect(parseLine('m v=-9223372036854775808i').fields.v).toEqual({ type: 'integer', value: -(2n ** 63n) });
    expect(() => parseLine('m v=-9223372036854775809i')).toThrow(/outside the signed 64-bit range/);
  });
});

// Property-based fuzzing of syslog ingest (fast-check; seed and replay: test/helpers/fuzz.ts): TCP framing gives the
// same frames however the byte stream is cut, generated RFC 5424 and RFC 3164 messages parse back to their fields, and
// arbitrary input never makes a parser throw (it is kept, with parse_error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogFramer, type Frame } from '../../src/ingest/syslog/framing.js';
import { parseSyslog } from '../../src/ingest/syslog/parse.js';
import { syslogRecord } from '../../src/ingest/syslog/record.js';
import { cutPoints, fuzzParams, splitAt } from '../helpers/fuzz.js';

const params = (runs: number) => fuzzParams(import.meta.url, runs);
const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);

const show = (frames: Frame[]) => frames.map((f) => `${f.data.toString('hex')}${f.error ? ` !${f.error}` : ''}`);

function frameAll(chunks: Buffer[], max: number): Frame[] {
  const f = new SyslogFramer(max);
  const out: Frame[] = [];
  for (const c of chunks) out.push(...f.push(c).map((x) => ({ ...x, data: Buffer.from(x.data) })));
  out.push(...f.end());
  return out;
}

/** Bytes that matter to the framer, and anything else. */
const framingByte = fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x00, 0x20, 0x30, 0x31, 0x35, 0x39, 0x3c), fc.integer({ min: 0, max: 255 }));

describe('syslog TCP framing fuzzing', () => {
  it('any byte stream gives the same frames however it is cut, each at most maxMessageBytes', () => {
    const stream = fc.tuple(fc.array(framingByte, { maxLength: 300 }), fc.integer({ min: 11, max: 64 })).chain(([bytes, max]) => {
      const data = Buffer.from(bytes);
      return fc.tuple(fc.constant(data), fc.constant(max), cutPoints(data.length));
    });
    fc.assert(
      fc.property(stream, ([data, max, cuts]) => {
        const whole = frameAll([data], max);
        expect(show(frameAll(splitAt(data, cuts), max))).toEqual(show(whole));
        for (const f of whole) expect(f.data.length).toBeLessThanOrEqual(max);
        // Nothing is invented: every frame is a run of bytes of the stream.
        for (const f of whole) expect(data.includes(f.data)).toBe(true);
      }),
      params(3000),
    );
  });

  it('messages sent octet-counted or newline-terminated come out as sent, however the stream is cut', () => {
    const line = fc
      .uint8Array({ minLength: 1, maxLength: 40 })
      .map((a) => Buffer.from(a.map((b) => (b === 0x0a || b === 0x00 || b === 0x0d ? 0x41 : b))))
      .filter((b) => !(b[0]! >= 0x31 && b[0]! <= 0x39)); // a line starting with a digit could read as an octet count
    const octets = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a));
    const messages = fc.array(fc.oneof(line.map((m) => ({ m, wire: Buffer.concat([m, Buffer.from(m.length % 2 ? '\n' : '\r\n')]) })), octets.map((m) => ({ m, wire: Buffer.concat([Buffer.from(`${m.length} `), m]) }))), { maxLength: 8 });
    const stream = messages.chain((ms) => {
      const data = Buffer.concat(ms.map((x) => x.wire));
      return fc.tuple(fc.constant(ms.map((x) => x.m)), fc.constant(data), cutPoints(data.length));
    });
    fc.assert(
      fc.property(stream, ([ms, data, cuts]) => {
        expect(show(frameAll(splitAt(data, cuts), 1024))).toEqual(show(ms.map((data) => ({ data }))));
      }),
      params(2000),
    );
  });
});

const printable = (min: number, max: number) => fc.stringMatching(new RegExp(`^[!-~]{${min},${max}}$`)).filter((s) => s !== '-');
const nilOr = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

describe('syslog message parsing fuzzing', () => {
  it('RFC 5424 messages parse back to their fields', () => {
    const sdName = fc.stringMatching(/^[!#-<>-\\^-~]{1,8}$/); // printable, no space = " ]
    const sdValue = fc.string({ maxLength: 8, unit: fc.oneof(fc.constantFrom('"', '\\', ']', ' ', '='), fc.string({ minLength: 1, maxLength: 1 })) });
    const element = fc.tuple(sdName, fc.array(fc.tuple(sdName, sdValue), { maxLength: 3 })).map(([id, ps]) => `[${id}${ps.map(([k, v]) => ` ${k}="${v.replace(/[\\"\]]/g, (c) => `\\${c}`)}"`).join('')}]`);
    const msg = fc.record({
      pri: fc.integer({ min: 0, max: 191 }),
      time: nilOr(fc.date({ min: new Date(Date.UTC(1990, 0, 1)), max: new Date(Date.UTC(2090, 0, 1)), noInvalidDate: true })),
      host: nilOr(printable(1, 40)),
      app: nilOr(printable(1, 48)),
      procId: nilOr(printable(1, 20)),
      msgId: nilOr(printable(1, 32)),
      sd: nilOr(fc.array(element, { minLength: 1, maxLength: 3 }).map((e) => e.join(''))),
      text: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      bom: fc.boolean(),
    });
    fc.assert(
      fc.property(msg, (m) => {
        const d = (v: string | null) => v ?? '-';
        const head = `<${m.pri}>1 ${m.time ? m.time.toISOString() : '-'} ${d(m.host)} ${d(m.app)} ${d(m.procId)} ${d(m.msgId)} ${d(m.sd)}`;
        const text = m.text === undefined ? head : `${head} ${m.bom ? '\uFEFF' : ''}${m.text}`;
        expect(parseSyslog(text, NOW)).toEqual({
          format: 'rfc5424',
          facility: m.pri >> 3,
          severity: m.pri & 7,
          timestamp: m.time ? m.time.getTime() : null,
          hostname: m.host,
          appName: m.app,
          procId: m.procId,
          msgId: m.msgId,
          structuredData: m.sd,
          message: m.text ?? '',
          error: null,
        });
      }),
      params(1500),
    );
  }, 60_000);

  it('RFC 3164 messages parse back to their fields', () => {
    const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const msg = fc.record({
      pri: fc.integer({ min: 0, max: 191 }),
      month: fc.integer({ min: 0, max: 11 }),
      day: fc.integer({ min: 1, max: 28 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      // A host of exactly four digits would read as the optional year some senders put after the time.
      host: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/).filter((h) => !/^\d{4}$/.test(h)),
      tag: fc.stringMatching(/^[a-zA-Z0-9_.\/-]{1,20}$/),
      pid: nilOr(fc.stringMatching(/^[0-9]{1,7}$/)),
      text: fc.string({ maxLength: 30 }),
    });
    fc.assert(
      fc.property(msg, (m) => {
        const p2 = (n: number) => String(n).padStart(2, '0');
        const text = `<${m.pri}>${MONTHS[m.month]} ${String(m.day).padStart(2, ' ')} ${p2(m.h)}:${p2(m.mi)}:${p2(m.s)} ${m.host} ${m.tag}${m.pid ? `[${m.pid}]` : ''}: ${m.text}`;
        const year = new Date(NOW).getFullYear();
        let t = new Date(year, m.month, m.day, m.h, m.mi, m.s).getTime();
        if (t > NOW + 86_400_000) t = new Date(year - 1, m.month, m.day, m.h, m.mi, m.s).getTime();
        expect(parseSyslog(text, NOW)).toMatchObject({ format: 'rfc3164', facility: m.pri >> 3, severity: m.pri & 7, timestamp: t, hostname: m.host, appName: m.tag, procId: m.pid, message: m.text, error: null });
      }),
      params(1500),
    );
  }, 60_000);

  it('arbitrary messages never make the parser throw; the record keeps the raw bytes', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80, unit: 'binary' }),
      fc.tuple(fc.constantFrom('<13>', '<13>1 ', '<191>1 - ', '<0>May  1 12:00:00 ', '<1>1 2024-01-01T00:00:00Z h a p m [', '<9>'), fc.string({ maxLength: 60, unit: fc.oneof(fc.constantFrom(' ', '[', ']', '"', '\\', '=', '-', ':'), fc.string({ minLength: 1, maxLength: 1 })) })).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(text, (t) => {
        const m = parseSyslog(t, NOW);
        if (m.error !== null) expect(m.message).toBe(t);
        const raw = Buffer.from(t);
        const r = syslogRecord(raw, '192.0.2.1', NOW);
        expect(r.value).toBe(raw);
        expect(r.headers.remote).toBe('192.0.2.1');
      }),
      params(3000),
    );
  }, 60_000);
});

// Syslog arrives from the network: framing a TCP stream and parsing each message must cost time linear in the bytes
// received, however the sender chops them up. Each case grows a hostile input 10×.
import { describe, it } from 'vitest';
import { SyslogFramer } from '../../src/ingest/syslog/framing.js';
import { parseSyslog } from '../../src/ingest/syslog/parse.js';
import { attempt, expectLinear } from '../helpers/scaling.js';

const MAX = 16 * 1024 * 1024; // the largest ingest.syslog.maxMessageBytes allowed

/** `data` cut into chunks of `size` bytes, as a slow or hostile sender delivers it. */
function chunked(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

const frame = (chunks: Buffer[]) => {
  const f = new SyslogFramer(MAX);
  for (const c of chunks) f.push(c);
  f.end();
};

describe('syslog over TCP: framing scales linearly with the bytes received', () => {
  it('one long line arriving in small chunks (re-scanning the pending line on every chunk is quadratic)', () => {
    expectLinear({ name: 'line in 64-byte chunks', n: 100_000, make: (n) => chunked(Buffer.from(`<13>${'x'.repeat(n)}\n`), 64), run: frame });
  }, 120_000);

  it('one long octet-counted frame arriving in small chunks', () => {
    expectLinear({ name: 'octet-counted in 64-byte chunks', n: 100_000, make: (n) => chunked(Buffer.from(`${n + 4} <13>${'x'.repeat(n)}`), 64), run: frame });
  }, 120_000);

  it('many short frames, and a line longer than maxMessageBytes', () => {
    expectLinear({ name: 'many frames in 64 KiB chunks', n: 20_000, make: (n) => chunked(Buffer.from('<13>hello\n5 <13>x'.repeat(n)), 65536), run: frame });
    const small = (chunks: Buffer[]) => {
      const f = new SyslogFramer(480);
      for (const c of chunks) f.push(c);
      f.end();
    };
    expectLinear({ name: 'oversize line in pieces', n: 100_000, make: (n) => chunked(Buffer.from(`<13>${'x'.repeat(n)}\n`), 1000), run: small });
  }, 120_000);
});

describe('syslog message parsing scales linearly with the message', () => {
  const parse = (s: string) => attempt(() => parseSyslog(s, 0));
  it('RFC 5424: long fields, many structured-data parameters, escapes', () => {
    expectLinear({ name: 'long hostname', n: 10_000, make: (n) => `<13>1 - ${'h'.repeat(n)} app - - - msg`, run: parse });
    expectLinear({ name: 'no spaces', n: 10_000, make: (n) => `<13>1 ${'x'.repeat(n)}`, run: parse });
    expectLinear({ name: 'SD params', n: 1_000, make: (n) => `<13>1 - h a - - [id${' p="v"'.repeat(n)}] msg`, run: parse });
    expectLinear({ name: 'SD elements', n: 1_000, make: (n) => `<13>1 - h a - - ${'[id p="v"]'.repeat(n)} msg`, run: parse });
    expectLinear({ name: 'SD escapes', n: 2_500, make: (n) => `<13>1 - h a - - [id p="${'\\"\\]'.repeat(n)}"] msg`, run: parse });
    expectLinear({ name: 'SD unterminated', n: 5_000, make: (n) => `<13>1 - h a - - [id p="${'\\"'.repeat(n)}`, run: parse });
    expectLinear({ name: 'SD param name without =', n: 10_000, make: (n) => `<13>1 - h a - - [id ${'p'.repeat(n)}`, run: parse });
    expectLinear({ name: 'long message', n: 5_000, make: (n) => `<13>1 2024-01-01T00:00:00Z h a - - - ${'m '.repeat(n)}`, run: parse });
  }, 120_000);

  it('RFC 3164: long words, long tags, no header at all', () => {
    expectLinear({ name: 'long host word', n: 10_000, make: (n) => `<13>May  1 12:00:00 ${'h'.repeat(n)} tag: msg`, run: parse });
    expectLinear({ name: 'long tag', n: 5_000, make: (n) => `<13>May  1 12:00:00 host ${'t'.repeat(n)}[${'1'.repeat(n)}]: msg`, run: parse });
    expectLinear({ name: 'no header', n: 2_500, make: (n) => `<13>${'May '.repeat(n)}`, run: parse });
    expectLinear({ name: 'no PRI', n: 10_000, make: (n) => `${'<'.repeat(n)}`, run: parse });
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { SyslogFramer } from '../../src/ingest/syslog/framing.js';
import { parseSyslog } from '../../src/ingest/syslog/parse.js';
import { parsePri } from '../../src/ingest/syslog/pri.js';
import { syslogRecord } from '../../src/ingest/syslog/record.js';

const NOW = new Date(2024, 5, 15, 12, 0, 0).getTime(); // local time, as RFC 3164 timestamps are

describe('PRI', () => {
  it('splits facility and severity and refuses what is not a PRI', () => {
    expect(parsePri('<165>x')).toEqual({ facility: 20, severity: 5, end: 5 });
    expect(parsePri('<0>')).toEqual({ facility: 0, severity: 0, end: 3 });
    for (const bad of ['', 'x', '<>', '<192>', '<1a>', '<1234>', '165>']) expect(parsePri(bad)).toBeNull();
  });
});

describe('RFC 5424', () => {
  it('parses every header field, keeps structured data raw and strips the BOM', () => {
    const m = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 123 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lic]ation"][x@1 a="\\]"] \uFEFFAn application event', NOW);
    expect(m).toEqual({
      format: 'rfc5424',
      facility: 20,
      severity: 5,
      timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      procId: '123',
      msgId: 'ID47',
      structuredData: '[exampleSDID@32473 iut="3" eventSource="App\\"lic]ation"][x@1 a="\\]"]',
      message: 'An application event',
      error: null,
    });
  });

  it('reads NILVALUEs as absent and microsecond, offset timestamps', () => {
    const m = parseSyslog('<34>1 2026-11-22T03:25:36.393357+01:00 - - - - -', NOW);
    expect(m).toMatchObject({ hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message: '', error: null });
    expect(m.timestamp).toBe(Date.UTC(2026, 10, 22, 2, 25, 36, 393));
    expect(parseSyslog('<34>1 - host app - - - msg', NOW)).toMatchObject({ timestamp: null, hostname: 'host', message: 'msg' });
  });

  it.each([
    ['<34>1 yesterday host app - - - msg', /invalid TIMESTAMP 'yesterday'/],
    ['<34>2 2003-10-11T22:14:15Z host app - - - msg', /VERSION 2 is not supported/],
    ['<34>1 2003-10-11T22:14:15Z host app - - [broken msg', /STRUCTURED-DATA|SD-ELEMENT|PARAM/],
    ['<34>1 2003-10-11T22:14:15Z host app - - nosd msg', /STRUCTURED-DATA must be "-"/],
    ['<34>1 2003-10-11T22:14:15Z host', /message ends in HOSTNAME/],
  ])('marks %j as a parse error but keeps PRI and text', (text, error) => {
    const m = parseSyslog(text, NOW);
    expect(m.error).toMatch(error);
    expect(m).toMatchObject({ facility: 4, severity: 2, message: text, hostname: null });
  });
});

describe('RFC 3164', () => {
  it('parses timestamp, hostname, tag and pid', () => {
    const m = parseSyslog('<34>Oct 11 22:14:15 mymachine su[123]: \'su root\' failed for lonvick on /dev/pts/8', NOW);
    expect(m).toMatchObject({
      format: 'rfc3164',
      facility: 4,
      severity: 2,
      timestamp: new Date(2023, 9, 11, 22, 14, 15).getTime(), // October is after June: last year
      hostname: 'mymachine',
      appName: 'su',
      procId: '123',
      message: "'su root' failed for lonvick on /dev/pts/8",
      error: null,
    });
  });

  it('takes this year for past dates, a space-padded day and no hostname from local senders', () => {
    const m = parseSyslog('<13>Jun  5 08:00:01 cron: job done', NOW);
    expect(m).toMatchObject({ timestamp: new Date(2024, 5, 5, 8, 0, 1).getTime(), hostname: null, appName: 'cron', message: 'job done' });
  });

  it('accepts an RFC 3339 timestamp (rsyslog forwarding format)', () => {
    const m = parseSyslog('<13>2024-06-15T10:00:00.5Z web1 app: hi', NOW);
    expect(m).toMatchObject({ timestamp: Date.UTC(2024, 5, 15, 10, 0, 0, 500), hostname: 'web1', appName: 'app', message: 'hi' });
  });

  it('treats a header-less message as all MSG (RFC 3164 §4.3.3)', () => {
    expect(parseSyslog('<13>just some text', NOW)).toMatchObject({ timestamp: null, hostname: null, appName: null, message: 'just some text', error: null });
  });
});

describe('malformed messages', () => {
  it('have no PRI but are kept whole', () => {
    expect(parseSyslog('hello world', NOW)).toMatchObject({ format: null, facility: null, message: 'hello world', error: 'no PRI: a syslog message starts with <0-191>' });
    expect(parseSyslog('<999>x', NOW).error).toMatch(/no PRI/);
  });
});

describe('syslog records', () => {
  it('carry the raw bytes as value and the parsed fields as headers', () => {
    const raw = Buffer.from('<35>1 2003-10-11T22:14:15.003Z host1 app1 77 MID [a@1 b="c"] boom');
    expect(syslogRecord(raw, '10.0.0.9', NOW)).toEqual({
      value: raw,
      key: 'host1',
      timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      headers: { host: 'host1', app: 'app1', severity: 'err', facility: 'auth', level: 'ERROR', procid: '77', msgid: 'MID', format: 'rfc5424', remote: '10.0.0.9' },
    });
  });

  it('map every severity to a level', () => {
    const levels = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => syslogRecord(Buffer.from(`<${8 + s}>x`), 'r', NOW).headers.level);
    expect(levels).toEqual(['FATAL', 'FATAL', 'FATAL', 'ERROR', 'WARN', 'INFO', 'INFO', 'DEBUG']);
  });

  it('keep garbage as raw text with parse_error, host = sender, receive time', () => {
    const raw = Buffer.from([0xff, 0x00, 0x41]);
    expect(syslogRecord(raw, '192.0.2.1', NOW)).toEqual({
      value: raw,
      key: '192.0.2.1',
      timestamp: NOW,
      headers: { host: '192.0.2.1', remote: '192.0.2.1', parse_error: 'no PRI: a syslog message starts with <0-191>' },
    });
  });
});

describe('TCP framing (RFC 6587)', () => {
  const texts = (frames: { data: Buffer }[]) => frames.map((f) => f.data.toString());

  it('mixes octet-counted and newline frames, per message, across chunk boundaries', () => {
    const f = new SyslogFramer(1024);
    const stream = Buffer.from('11 <13>hello 1<13>line one\r\n<13>line two\n\n5 <1>ab14 <13>unicode é');
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...texts(f.push(stream.subarray(i, i + 3))));
    out.push(...texts(f.end()));
    expect(out).toEqual(['<13>hello 1', '<13>line one', '<13>line two', '<1>ab', '<13>unicode é']);
  });

  it('treats digits without a following space as the start of a line', () => {
    const f = new SyslogFramer(1024);
    expect(texts(f.push(Buffer.from('123abc\n42\n')))).toEqual(['123abc', '42']);
  });

  it('splits over-long lines and octet counts into flagged pieces (the last piece of a line too), keeping every byte', () => {
    const f = new SyslogFramer(480);
    const long = 'x'.repeat(1000);
    const frames = [...f.push(Buffer.from(`${long}\n1200 ${'y'.repeat(1200)}<13>after\n`)), ...f.end()];
    expect(frames.map((x) => x.data.length)).toEqual([480, 480, 40, 480, 480, 240, 9]);
    expect(frames.map((x) => x.error !== undefined)).toEqual([true, true, true, true, true, true, false]);
    expect(frames[2]!.error).toMatch(/line longer than maxMessageBytes \(480\)/);
    expect(frames[3]!.error).toMatch(/message of 1200 bytes exceeds maxMessageBytes \(480\)/);
    expect(Buffer.concat(frames.slice(0, 3).map((x) => x.data)).toString()).toBe(long);
  });

  it('hands out an unterminated last message at the end of the stream', () => {
    const f = new SyslogFramer(1024);
    expect(texts(f.push(Buffer.from('<13>a\n<13>b')))).toEqual(['<13>a']);
    expect(texts(f.end())).toEqual(['<13>b']);
    expect(f.end()).toEqual([]);
  });
});

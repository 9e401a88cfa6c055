import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersOf, startIngestBroker, type IngestBroker } from './helpers.js';

const hasLogger = spawnSync('logger', ['--help'], { stdio: 'ignore' }).status === 0;
if (!hasLogger) {
  if (process.env.CI === 'true') throw new Error('util-linux logger is required in CI (apt-get install bsdutils)');
  console.warn('logger (util-linux) not found: the logger-driven syslog tests are skipped; raw-socket tests still run');
}

let b: IngestBroker;
beforeAll(async () => {
  b = await startIngestBroker({ syslog: { udp: '127.0.0.1:0', tcp: '127.0.0.1:0', topic: 'syslog' } });
});
afterAll(async () => {
  await b?.stop();
});

let seq = 0;
/** A marker unique to one test, so each test finds its own records in the shared topic. */
const marker = () => `m${process.pid}-${++seq}-${Date.now()}`;

async function recordsWith(text: string, n: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = (await b.records('syslog')).filter((r) => r.value!.toString('latin1').includes(text));
    if (all.length >= n || Date.now() > deadline) return all;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runLogger(args: string[]) {
  const r = spawnSync('logger', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`logger ${args.join(' ')} failed: ${r.stderr}`);
}

function sendUdp(port: number, messages: (string | Buffer)[]): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = messages.length;
    for (const m of messages) {
      s.send(m, port, '127.0.0.1', (e) => {
        if (e) reject(e);
        if (--left === 0) s.close(() => resolve());
      });
    }
  });
}

function sendTcp(port: number, data: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', async () => {
      for (const d of data) {
        s.write(d);
        await new Promise((r) => setImmediate(r));
      }
      s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

describe.skipIf(!hasLogger)('syslog from util-linux logger', () => {
  it('RFC 3164 over UDP', async () => {
    const m = marker();
    runLogger(['--rfc3164', '-d', '-n', '127.0.0.1', '-P', String(b.listener('syslog udp').port), '-t', 'myapp', '-p', 'local3.warning', `hello ${m}`]);
    const [r] = await recordsWith(m, 1);
    const sent = new RegExp(`^<156>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d (\\S+) myapp: hello ${m}$`).exec(r!.value!.toString());
    expect(sent).not.toBeNull();
    const h = headersOf(r!);
    expect(h).toEqual({ host: sent![1], app: 'myapp', severity: 'warning', facility: 'local3', level: 'WARN', format: 'rfc3164', remote: '127.0.0.1' });
    expect(h.parse_error).toBeUndefined();
    expect(Math.abs(r!.timestamp - Date.now())).toBeLessThan(60_000); // seconds precision, this year, local zone
    expect(r!.key!.toString()).toBe(h.host);
  });

  it('RFC 5424 over UDP with procid, msgid and structured data kept in the value', async () => {
    const m = marker();
    const before = Date.now();
    runLogger(['--rfc5424', '-d', '-n', '127.0.0.1', '-P', String(b.listener('syslog udp').port), '-t', 'app5424', '-i', '--msgid', 'MID1', '--sd-id', 'ex@32473', '--sd-param', 'k="v"', '-p', 'auth.err', `boom ${m}`]);
    const [r] = await recordsWith(m, 1);
    const text = r!.value!.toString();
    expect(text).toMatch(/^<35>1 \d{4}-\d\d-\d\dT\S+ \S+ app5424 \d+ MID1 \[timeQuality [^\]]*\]\[ex@32473 k="v"\] boom /);
    expect(headersOf(r!)).toMatchObject({ app: 'app5424', severity: 'err', facility: 'auth', level: 'ERROR', msgid: 'MID1', format: 'rfc5424' });
    expect(headersOf(r!).procid).toMatch(/^\d+$/);
    expect(r!.timestamp).toBeGreaterThanOrEqual(before - 1); // microsecond timestamp from the message, to the ms
    expect(r!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('RFC 5424 over TCP, newline framing and octet counting', async () => {
    const m = marker();
    const port = String(b.listener('syslog tcp').port);
    runLogger(['--rfc5424', '-T', '-n', '127.0.0.1', '-P', port, '-t', 'tcpapp', `newline ${m}`]);
    runLogger(['--rfc5424', '-T', '--octet-count', '-n', '127.0.0.1', '-P', port, '-t', 'tcpapp', `counted ${m}`]);
    const rs = await recordsWith(m, 2);
    expect(rs.map((r) => r.value!.toString().replace(/^.* /, ''))).toEqual([m, m]);
    expect(rs.map((r) => r.value!.toString().split('] ')[1])).toEqual([`newline ${m}`, `counted ${m}`]);
    for (const r of rs) expect(headersOf(r)).toMatchObject({ app: 'tcpapp', severity: 'notice', facility: 'user', level: 'INFO', format: 'rfc5424' });
  });

  it('RFC 3164 over TCP', async () => {
    const m = marker();
    runLogger(['--rfc3164', '-T', '-n', '127.0.0.1', '-P', String(b.listener('syslog tcp').port), '-t', 'tcp3164', '-p', 'daemon.debug', `old ${m}`]);
    const [r] = await recordsWith(m, 1);
    expect(r!.value!.toString()).toMatch(new RegExp(`^<31>.* tcp3164: old ${m}$`));
    expect(headersOf(r!)).toMatchObject({ app: 'tcp3164', severity: 'debug', facility: 'daemon', level: 'DEBUG', format: 'rfc3164' });
  });
});

describe('syslog from raw sockets', () => {
  it('UDP: both formats, exact values and headers; garbage kept as raw text with parse_error', async () => {
    const m = marker();
    const msgs = [
      `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] event ${m}`,
      `<34>Oct 11 22:14:15 mymachine su[77]: 'su root' failed ${m}\n`,
      Buffer.concat([Buffer.from(`no pri at all ${m} `), Buffer.from([0xff, 0xfe])]),
    ];
    await sendUdp(b.listener('syslog udp').port, msgs);
    const rs = await recordsWith(m, 3);
    const by = (s: string) => rs.find((r) => r.value!.toString('latin1').includes(s))!;
    const r5424 = by('evntslog');
    expect(r5424.value!.toString()).toBe(msgs[0]);
    expect(r5424.timestamp).toBe(Date.UTC(2003, 9, 11, 22, 14, 15, 3));
    expect(r5424.key!.toString()).toBe('mymachine.example.com');
    expect(headersOf(r5424)).toEqual({ host: 'mymachine.example.com', app: 'evntslog', severity: 'notice', facility: 'local4', level: 'INFO', msgid: 'ID47', format: 'rfc5424', remote: '127.0.0.1' });
    const r3164 = by('su root');
    expect(r3164.value!.toString()).toBe((msgs[1] as string).trimEnd()); // the trailing newline is framing, not content
    expect(headersOf(r3164)).toEqual({ host: 'mymachine', app: 'su', severity: 'crit', facility: 'auth', level: 'FATAL', procid: '77', format: 'rfc3164', remote: '127.0.0.1' });
    const garbage = by('no pri');
    expect(garbage.value).toEqual(msgs[2]); // byte for byte, invalid UTF-8 included
    expect(headersOf(garbage)).toEqual({ host: '127.0.0.1', remote: '127.0.0.1', parse_error: 'no PRI: a syslog message starts with <0-191>' });
    expect(b.ingest!.stats().syslog).toMatchObject({ parseErrors: expect.any(Number) });
  });

  it('TCP: octet counting and newlines mixed on one connection, split writes, malformed 5424 kept', async () => {
    const m = marker();
    const a = `<13>1 - h1 app - - - first ${m}`;
    const c = `<13>1 2003-13-45T99:99:99Z h1 app - - - bad date ${m}`;
    const stream = `${Buffer.byteLength(a)} ${a}<14>Jun  1 10:00:00 h2 app2: second ${m}\r\n${c}\ngarbage line ${m}\nunterminated ${m}`;
    const bytes = Buffer.from(stream);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    await sendTcp(b.listener('syslog tcp').port, chunks);
    const rs = await recordsWith(m, 5);
    expect(rs.map((r) => r.value!.toString())).toEqual([a, `<14>Jun  1 10:00:00 h2 app2: second ${m}`, c, `garbage line ${m}`, `unterminated ${m}`]);
    expect(rs.map((r) => headersOf(r).parse_error ?? null)).toEqual([
      null,
      null,
      "rfc5424: invalid TIMESTAMP '2003-13-45T99:99:99Z' (expected e.g. 2003-10-11T22:14:15.003Z)",
      'no PRI: a syslog message starts with <0-191>',
      'no PRI: a syslog message starts with <0-191>',
    ]);
    expect(headersOf(rs[2]!)).toMatchObject({ host: '127.0.0.1', severity: 'notice', level: 'INFO' });
  });
});

// Syslog over TLS (RFC 5425) with real senders: openssl s_client and Node's tls client trusting the CA generated in
// DATA/tls/, octet-counted and newline framing, an oversized message, hostile senders (plain TCP, garbage, silence)
// that lose only their own connection, and client certificates (mTLS) made with the openssl CLI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../helpers/run-tool.js';
import { waitUntil } from '../helpers/wait-until.js';
import { headersOf, startIngestBroker, type IngestBroker } from './helpers.js';

let seq = 0;
// rsyslog forwarding over TLS needs its GnuTLS driver (Debian: rsyslog and rsyslog-gnutls; .ci/run installs them).
const hasRsyslogTls = spawnSync('rsyslogd', ['-v'], { stdio: 'ignore' }).status === 0 && ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so'].some((p) => existsSync(p));
if (!hasRsyslogTls) {
  if (process.env.CI === 'true') throw new Error('rsyslog with its GnuTLS driver is required in CI (apt-get install rsyslog rsyslog-gnutls)');
  console.warn('rsyslogd with lmnsd_gtls not found: the rsyslog-to-syslog-over-TLS test is skipped; openssl and Node senders still run');
}

const marker = () => `m${process.pid}-${++seq}-${Date.now()}`;

async function recordsWith(b: IngestBroker, text: string, n: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = (await b.records('syslog')).filter((r) => r.value!.toString('latin1').includes(text));
    if (all.length >= n || Date.now() > deadline) return all;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function tlsConnect(port: number, opts: { ca: string; cert?: string; key?: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes each piece on its own turn of the event loop (so the server sees them as separate chunks), then ends. */
async function sendAndEnd(s: TLSSocket, pieces: (string | Buffer)[]): Promise<void> {
  for (const p of pieces) {
    s.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    s.end();
  });
}

/** Resolves when the server closes the connection (or it fails); with what the server sent before. */
function closedBy(sock: { once(e: 'close', f: () => void): unknown; on(e: 'error', f: (e: Error) => void): unknown; on(e: 'data', f: (d: Buffer) => void): unknown }): Promise<{ got: number }> {
  let got = 0;
  sock.on('data', (d) => (got += d.length));
  sock.on('error', () => {});
  return new Promise((resolve) => sock.once('close', () => resolve({ got })));
}

const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

describe('syslog over TLS with the generated certificate', () => {
  let b: IngestBroker;
  let port: number;
  let ca: string;
  let caFile: string;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-syslog-tls-'));

  beforeAll(async () => {
    b = await startIngestBroker({ syslog: { tls: { listen: '127.0.0.1:0', handshakeTimeout: '1s' }, maxMessageBytes: 1024, topic: 'syslog' } }, { dataDir: dir });
    port = b.listener('syslog tls').port;
    caFile = join(dir, 'tls', 'ca.pem');
    ca = readFileSync(caFile, 'utf8');
  });
  afterAll(async () => {
    await b?.stop();
  });

  it('takes octet-counted and newline-framed messages from openssl s_client verifying the certificate', async () => {
    const m = marker();
    const a = `<165>1 2026-12-03T10:00:00Z web1 app 42 ID1 - octet ${m}`;
    const c = `<13>Dec  3 10:00:01 web1 app: newline ${m}`;
    const r = await runTool(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', '-verify_hostname', 'localhost', '-quiet', '-no_ign_eof'],
      { input: `${octet(a)}${c}\n`, timeoutMs: 30_000 },
    );
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    const got = await recordsWith(b, m, 2);
    expect(got.map((x) => x.value!.toString())).toEqual([a, c]);
    expect(headersOf(got[0]!)).toMatchObject({ host: 'web1', app: 'app', format: 'rfc5424', remote: '127.0.0.1' });
    expect(headersOf(got[1]!)).toMatchObject({ host: 'web1', format: 'rfc3164' });
  });

  it('takes messages from Node tls cut anywhere, in both framings on one connection', async () => {
    const m = marker();
    const msgs = [1, 2, 3].map((i) => `<14>1 2026-12-03T10:00:0${i}Z h app - - - node ${i} ${m}`);
    const stream = Buffer.from(`${octet(msgs[0]!)}${msgs[1]}\n${octet(msgs[2]!)}`);
    const s = await tlsConnect(port, { ca });
    // Cut into 7-byte pieces: frames and even the length prefix span TLS records.
    const pieces: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 7) pieces.push(stream.subarray(i, i + 7));
    await sendAndEnd(s, pieces);
    expect((await recordsWith(b, m, 3)).map((x) => x.value!.toString())).toEqual(msgs);
  });

  it('stores an oversized message in marked pieces of maxMessageBytes and keeps the connection', async () => {
    const m = marker();
    const big = `<14>1 2026-12-03T10:00:00Z h app - - - big ${m} ${'x'.repeat(2500)}`;
    const after = `<14>1 2026-12-03T10:00:00Z h app - - - after ${m}`;
    const s = await tlsConnect(port, { ca });
    await sendAndEnd(s, [octet(big), octet(after)]);
    const stored = await recordsWith(b, m, 2);
    expect(stored.map((x) => x.value!.length)).toEqual([1024, after.length]);
    expect(headersOf(stored[0]!).parse_error).toMatch(new RegExp(`message of ${Buffer.byteLength(big)} bytes exceeds maxMessageBytes \\(1024\\)`));
    const all = (await b.records('syslog')).map((x) => x.value!.toString());
    const pieces = all.filter((v) => v.startsWith('x') || v.includes(`big ${m}`));
    expect(pieces.join('')).toBe(big); // nothing lost: the rest came as further pieces
  });

  it('closes a plain-TCP sender, a garbage sender and a silent one, and only them; the log says why', async () => {
    const m = marker();
    const good = await tlsConnect(port, { ca }); // established before the hostile ones arrive
    const plain = connectTcp(port, '127.0.0.1');
    const plainClosed = closedBy(plain);
    plain.write(`<13>Dec  3 10:00:01 web1 app: plain ${m}\n`);
    const garbage = connectTcp(port, '127.0.0.1');
    const garbageClosed = closedBy(garbage);
    garbage.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, ...Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff)]));
    const silent = connectTcp(port, '127.0.0.1');
    const started = Date.now();
    const silentClosed = closedBy(silent);
    await Promise.all([plainClosed, garbageClosed]);
    await silentClosed; // the 1 s handshake timeout
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await sendAndEnd(good, [octet(`<14>1 - h app - - - still fine ${m}`)]);
    const got = await recordsWith(b, m, 1);
    expect(got.map((x) => x.value!.toString())).toEqual([`<14>1 - h app - - - still fine ${m}`]);
    expect(b.log.lines.some((l) => /^warn syslog tls: handshake from 127\.0\.0\.1 failed \(/.test(l))).toBe(true);
  });

  it('refuses TLS 1.1', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        s.destroy();
        resolve(null);
      });
      s.on('error', (e) => resolve(e));
    });
    expect(err).not.toBeNull();
  });

  it('is listed as a TLS endpoint', async () => {
    expect(b.listener('syslog tls')).toMatchObject({ host: '127.0.0.1', tls: true });
    expect(b.ingest!.stats().syslog!.tlsMessages).toBeGreaterThanOrEqual(8);
    await waitUntil('every TLS connection closed', () => b.ingest!.stats().syslog!.tlsConnections === 0, { timeoutMs: 10_000, intervalMs: 20 });
  });
});

describe('syslog over TLS requiring client certificates (mTLS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-syslog-mtls-'));
  const f = (n: string) => join(dir, n);
  let b: IngestBroker;
  let port: number;
  let ca: string;

  beforeAll(async () => {
    const openssl = async (args: string[]) => {
      const r = await runTool('openssl', args, { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    };
    // A CA of the senders, and one sender's certificate signed by it; a second, unrelated CA signs an impostor.
    for (const who of ['agents', 'other']) {
      await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${who}-ca-key.pem`), '-out', f(`${who}-ca.pem`), '-days', '2', '-subj', `/CN=${who} CA`]);
      await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${who}-key.pem`), '-out', f(`${who}.csr`), '-subj', `/CN=web-1/O=${who}`]);
      await openssl(['x509', '-req', '-in', f(`${who}.csr`), '-CA', f(`${who}-ca.pem`), '-CAkey', f(`${who}-ca-key.pem`), '-CAcreateserial', '-out', f(`${who}.pem`), '-days', '2']);
    }
    b = await startIngestBroker({ syslog: { tls: { listen: '127.0.0.1:0', clientCa: f('agents-ca.pem') }, topic: 'syslog' } }, { dataDir: dir });
    port = b.listener('syslog tls').port;
    ca = readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8');
  });
  afterAll(async () => {
    await b?.stop();
  });

  it('takes messages from a sender with a certificate signed by clientCa', async () => {
    const m = marker();
    const s = await tlsConnect(port, { ca, cert: readFileSync(f('agents.pem'), 'utf8'), key: readFileSync(f('agents-key.pem'), 'utf8') });
    await sendAndEnd(s, [`<14>1 - h app - - - with cert ${m}\n`]);
    expect((await recordsWith(b, m, 1)).map((x) => x.value!.toString())).toEqual([`<14>1 - h app - - - with cert ${m}`]);
  });

  it('closes senders without a certificate or with one from another CA; nothing they sent is stored', async () => {
    const m = marker();
    for (const opts of [{ ca }, { ca, cert: readFileSync(f('other.pem'), 'utf8'), key: readFileSync(f('other-key.pem'), 'utf8') }]) {
      // With TLS 1.3 the client finishes its side before the server checks the certificate: the refusal comes as an
      // alert and a close right after, so a write may or may not leave first; what matters is that nothing lands.
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts });
      const closed = closedBy(s);
      s.on('secureConnect', () => s.write(`<14>1 - h app - - - impostor ${m}\n`));
      await closed;
    }
    const ok = await tlsConnect(port, { ca, cert: readFileSync(f('agents.pem'), 'utf8'), key: readFileSync(f('agents-key.pem'), 'utf8') });
    await sendAndEnd(ok, [`<14>1 - h app - - - marker-after ${m}\n`]);
    await recordsWith(b, `marker-after ${m}`, 1);
    expect((await b.records('syslog')).filter((r) => r.value!.toString().includes(`impostor ${m}`))).toEqual([]);
    expect(b.log.lines.filter((l) => /^warn syslog tls: handshake from 127\.0\.0\.1 failed .*client certificate signed by ingest\.syslog\.tls\.clientCa/.test(l)).length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!hasRsyslogTls)('rsyslog forwarding over TLS (omfwd with the gtls driver)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-rsyslog-tls-'));
  let b: IngestBroker;
  let rsyslog: ReturnType<typeof spawn> | null = null;
  let rsyslogOut = '';

  beforeAll(async () => {
    b = await startIngestBroker({ syslog: { tls: '127.0.0.1:0', topic: 'syslog' } }, { dataDir: dir });
    const port = b.listener('syslog tls').port;
    // Messages come in on a private unix socket (logger -u) and leave through two forwarding actions, one per framing,
    // each verifying our certificate against the generated CA and its name.
    const fwd = (framing: string, template: string) =>
      `action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="${framing}" template="${template}" ` +
      `StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")`;
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      [
        `global(workDirectory="${dir}" DefaultNetstreamDriverCAFile="${join(dir, 'tls', 'ca.pem')}")`,
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imuxsock" Socket="${join(dir, 'log.sock')}")`,
        fwd('octet-counted', 'RSYSLOG_SyslogProtocol23Format'),
        fwd('traditional', 'RSYSLOG_ForwardFormat'),
        '',
      ].join('\n'),
    );
    rsyslog = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    rsyslog.stdout!.on('data', (d) => (rsyslogOut += d));
    rsyslog.stderr!.on('data', (d) => (rsyslogOut += d));
    await waitUntil('rsyslogd to open its socket', () => existsSync(join(dir, 'log.sock')), { timeoutMs: 15_000, intervalMs: 50, details: () => rsyslogOut });
  });
  afterAll(async () => {
    if (rsyslog && rsyslog.exitCode === null) {
      const exited = new Promise((r) => rsyslog!.once('exit', r));
      rsyslog.kill('SIGTERM');
      await exited;
    }
    await b?.stop();
  });

  it('delivers each message twice: octet-counted RFC 5424 and newline-framed RFC 3164', async () => {
    const m = marker();
    const r = await runTool('logger', ['-u', join(dir, 'log.sock'), '-t', 'rsysapp', '-p', 'local4.err', `via rsyslog ${m}`], { timeoutMs: 10_000 });
    expect(r.code).toBe(0);
    const got = await recordsWith(b, m, 2, 20_000);
    expect(got.length, rsyslogOut).toBe(2);
    const byFormat = Object.fromEntries(got.map((x) => [headersOf(x).format, x]));
    expect(Object.keys(byFormat).sort()).toEqual(['rfc3164', 'rfc5424']);
    for (const x of got) {
      expect(headersOf(x)).toMatchObject({ app: 'rsysapp', severity: 'err', facility: 'local4', remote: '127.0.0.1' });
      expect(x.value!.toString()).toMatch(new RegExp(`^<163>.*via rsyslog ${m}$`));
    }
    expect(b.log.lines.filter((l) => l.includes('handshake'))).toEqual([]);
  });
});

// SCRAM: the test client against RFC 7677's vector, then the broker's server side against that client, credential by
// credential: right and wrong passwords, unknown users, malformed and replayed messages.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthFailureDelay } from '../../../src/broker/security/auth-failure-delay.js';
import { parsePlain } from '../../../src/broker/security/plain.js';
import { passwordMatches, SaslFailure, scramCredential, ScramServer, type ScramCredential, type ScramMechanism } from '../../../src/broker/security/scram.js';
import { scramClientFinal } from '../../helpers/sasl-client.js';

describe('the test SCRAM client', () => {
  it('reproduces RFC 7677 section 3 (SCRAM-SHA-256, user "user", password "pencil")', () => {
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const { clientFinal, serverSignature } = scramClientFinal('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO', serverFirst);
    expect(clientFinal).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});

const SECRET = randomBytes(32);

async function exchange(m: ScramMechanism, stored: ScramCredential | null, user: string, password: string) {
  const server = new ScramServer(m, async (u) => (u === user ? stored : null), SECRET);
  const nonce = 'fyko+d2lbbFgONRv9qkxdawL';
  const serverFirst = (await server.step(Buffer.from(`n,,n=${user},r=${nonce}`))).toString();
  const hash = m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const { clientFinal, serverSignature } = scramClientFinal(hash, user, password, nonce, serverFirst);
  return { server, serverFirst, clientFinal, serverSignature, final: () => server.step(Buffer.from(clientFinal)) };
}

describe.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s server', (m) => {
  it('accepts the right password and proves it holds the credential', async () => {
    const cred = await scramCredential(m, 'correct horse', 4096);
    const x = await exchange(m, cred, 'alice', 'correct horse');
    expect(x.serverFirst).toMatch(new RegExp(`^r=fyko\\+d2lbbFgONRv9qkxdawL[^,]+,s=${cred.salt.toString('base64').replace(/[+/]/g, '\\$&')},i=4096$`));
    expect((await x.final()).toString()).toBe(`v=${x.serverSignature}`);
    expect(x.server.username).toBe('alice');
  });

  it('refuses a wrong password, and an unknown user the same way (with a stable decoy salt)', async () => {
    const cred = await scramCredential(m, 'right', 4096);
    await expect((await exchange(m, cred, 'alice', 'wrong')).final()).rejects.toThrow(new SaslFailure('invalid credentials'));
    const a = await exchange(m, null, 'nobody', 'x');
    const b = await exchange(m, null, 'nobody', 'x');
    expect(a.serverFirst.split(',')[1]).toMatch(/^s=.{20,}/);
    expect(a.serverFirst.split(',')[1]).toBe(b.serverFirst.split(',')[1]);
    await expect(a.final()).rejects.toThrow(/invalid credentials/);
  });

  it('accepts librdkafka\'s final nonce (its client nonce, then the whole server nonce), as Kafka does', async () => {
    const cred = await scramCredential(m, 'pw', 4096);
    const server = new ScramServer(m, async () => cred, SECRET);
    const nonce = 'abcdefghijklmnop';
    const serverFirst = (await server.step(Buffer.from(`n,,n=bob,r=${nonce}`))).toString();
    const serverNonce = /^r=([^,]+)/.exec(serverFirst)![1]!;
    const hash = m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    // As librdkafka builds it: its nonce, then the whole server nonce; the proof over exactly that message.
    const { createHmac, createHash, pbkdf2Sync } = await import('node:crypto');
    const salted = pbkdf2Sync('pw', cred.salt, 4096, hash === 'sha256' ? 32 : 64, hash);
    const clientKey = createHmac(hash, salted).update('Client Key').digest();
    const withoutProof = `c=biws,r=${nonce}${serverNonce}`;
    const sig = createHmac(hash, createHash(hash).update(clientKey).digest()).update(`n=bob,r=${nonce},${serverFirst},${withoutProof}`).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!)).toString('base64');
    expect((await server.step(Buffer.from(`${withoutProof},p=${proof}`))).toString()).toMatch(/^v=/);
    expect(server.username).toBe('bob');
  });

  it('refuses a changed nonce, channel binding, and a second final message', async () => {
    const cred = await scramCredential(m, 'pw', 4096);
    const x = await exchange(m, cred, 'bob', 'pw');
    await expect(x.server.step(Buffer.from(x.clientFinal.replace('r=fyko', 'r=fykX')))).rejects.toThrow(/nonce/);
    const prefixed = await exchange(m, cred, 'bob', 'pw'); // anything before the server nonce but the client nonce itself
    await expect(prefixed.server.step(Buffer.from(prefixed.clientFinal.replace('r=fyko', 'r=junkfyko')))).rejects.toThrow(/nonce/);
    const y = await exchange(m, cred, 'bob', 'pw');
    await expect(y.server.step(Buffer.from(y.clientFinal.replace('c=biws', 'c=eSws')))).rejects.toThrow(/channel binding/);
    const z = await exchange(m, cred, 'bob', 'pw');
    await z.final();
    await expect(z.final()).rejects.toThrow(/already complete/);
    const p = new ScramServer(m, async () => cred, randomBytes(32));
    await expect(p.step(Buffer.from('p=tls-unique,,n=bob,r=abc'))).rejects.toThrow(/channel binding/);
    await expect(p.step(Buffer.from('garbage'))).rejects.toThrow(SaslFailure);
  });

  it('unescapes =2C and =3D in user names and refuses an authzid naming someone else', async () => {
    const seen: string[] = [];
    const s = new ScramServer(m, async (u) => (seen.push(u), null), randomBytes(32));
    await s.step(Buffer.from('n,,n=a=2Cb=3Dc,r=abc'));
    expect(seen).toEqual(['a,b=c']);
    await expect(new ScramServer(m, async () => null, randomBytes(32)).step(Buffer.from('n,a=root,n=bob,r=abc'))).rejects.toThrow(/authorization id/);
  });

  it('checks PLAIN passwords against the stored credential', async () => {
    const cred = await scramCredential(m, 'sesame', 4096);
    expect(await passwordMatches(m, cred, 'sesame')).toBe(true);
    expect(await passwordMatches(m, cred, 'sesamE')).toBe(false);
  });
});

describe('PLAIN messages', () => {
  it('reads authzid, user and password, refusing malformed ones', () => {
    expect(parsePlain(Buffer.from('\0u\0p'))).toEqual({ user: 'u', password: 'p' });
    expect(parsePlain(Buffer.from('u\0u\0p'))).toEqual({ user: 'u', password: 'p' });
    expect(() => parsePlain(Buffer.from('root\0u\0p'))).toThrow(/authorization id/);
    expect(() => parsePlain(Buffer.from('u\0p'))).toThrow(/malformed/);
    expect(() => parsePlain(Buffer.from('\0u\0'))).toThrow(/password/);
  });
});

describe('AuthFailureDelay', () => {
  const options = { baseMs: 100, maxMs: 1000, forgetMs: 60_000, maxAddresses: 3 };
  /** Waits that are recorded and resolved by hand, on a clock the test moves. */
  function harness(maxAddresses = 3) {
    let now = 1_000;
    const waits: { ms: number; done: () => void }[] = [];
    const d = new AuthFailureDelay(
      { ...options, maxAddresses },
      (ms) => new Promise<void>((resolve) => waits.push({ ms, done: resolve })),
      () => now,
    );
    const settle = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    return { d, waits, settle, advance: (ms: number) => (now += ms) };
  }
  const failing = async () => ({ ok: false });
  const passing = async () => ({ ok: true });

  it('answers a success at once, and each failure after a wait doubling up to the cap', async () => {
    const { d, waits, settle } = harness();
    expect(await d.check('a', passing)).toEqual({ ok: true });
    expect(waits).toHaveLength(0);
    for (const expected of [100, 200, 400, 800, 1000, 1000]) {
      const r = d.check('a', failing);
      await settle();
      expect(waits.at(-1)!.ms).toBe(expected);
      waits.at(-1)!.done();
      expect(await r).toEqual({ ok: false });
    }
  });

  it('runs the checks of an address that has failed one at a time, each after the previous wait; other addresses are not held', async () => {
    const { d, waits, settle } = harness();
    const first = d.check('a', failing);
    await settle();
    expect(waits.map((w) => w.ms)).toEqual([100]);
    const ran: string[] = [];
    const second = d.check('a', async () => (ran.push('second'), { ok: true }));
    const other = d.check('b', async () => (ran.push('other'), { ok: true }));
    await settle();
    expect(ran).toEqual(['other']); // 'a' is held until its last failure's wait is over
    await other;
    waits[0]!.done();
    await first;
    await second;
    expect(ran).toEqual(['other', 'second']);
  });

  it('drops a queued check whose connection closed, so it holds no one up', async () => {
    const { d, waits, settle } = harness();
    const first = d.check('a', failing);
    await settle();
    const gone = new AbortController();
    const ran: string[] = [];
    const abandoned = d.check('a', async () => (ran.push('abandoned'), { ok: false }), gone.signal, () => ({ ok: false, dropped: true }));
    const next = d.check('a', async () => (ran.push('next'), { ok: true }));
    gone.abort();
    waits[0]!.done();
    await first;
    expect(await abandoned).toEqual({ ok: false, dropped: true });
    expect(await next).toEqual({ ok: true });
    expect(ran).toEqual(['next']);
    expect(waits).toHaveLength(1); // the dropped check neither ran nor waited
  });

  it('forgets an address after a quiet spell, and remembers a bounded number, longest quiet dropped first', async () => {
    const { d, waits, settle, advance } = harness(2);
    const fail = async (addr: string) => {
      const r = d.check(addr, failing);
      await settle();
      const ms = waits.at(-1)!.ms;
      waits.at(-1)!.done();
      await r;
      return ms;
    };
    expect(await fail('a')).toBe(100);
    expect(await fail('a')).toBe(200);
    advance(60_000);
    expect(await fail('a')).toBe(100);
    await fail('b');
    await fail('a');
    await fail('c'); // 'b' is dropped
    expect(d.remembered()).toBe(2);
    expect(await fail('b')).toBe(100);
  });
});

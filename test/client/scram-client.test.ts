// The client's SCRAM against RFC 7677's published SCRAM-SHA-256 exchange (section 3), and the checks that keep an
// impostor server out: a wrong server signature, a nonce it did not extend, too few iterations, an error attribute;
// and over a real socket, a server that answers SCRAM without the key is refused before any other request reaches it.
import { describe, expect, it } from 'vitest';
import { ScramClient } from '../../src/client/scram-client.js';

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const rfcClient = () => new ScramClient('SCRAM-SHA-256', 'user', 'pencil', CLIENT_NONCE);

describe('ScramClient', () => {
  it('reproduces RFC 7677 section 3 byte for byte and accepts its server signature', async () => {
    const c = rfcClient();
    expect(c.firstMessage().toString()).toBe(`n,,n=user,r=${CLIENT_NONCE}`);
    expect((await c.finalMessage(Buffer.from(SERVER_FIRST))).toString()).toBe(CLIENT_FINAL);
    expect(() => c.verifyServerFinal(Buffer.from(SERVER_FINAL))).not.toThrow();
  });

  it('refuses a server whose signature is wrong, missing, or sent before the proof', async () => {
    const c = rfcClient();
    expect(() => c.verifyServerFinal(Buffer.from(SERVER_FINAL))).toThrow(/before the client-final/);
    await c.finalMessage(Buffer.from(SERVER_FIRST));
    const flipped = Buffer.from('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', 'base64');
    flipped[0]! ^= 1;
    expect(() => c.verifyServerFinal(Buffer.from(`v=${flipped.toString('base64')}`))).toThrow(/could not prove it knows the password/);
    expect(() => c.verifyServerFinal(Buffer.from('v='))).toThrow(/could not prove/);
    expect(() => c.verifyServerFinal(Buffer.from('x=1'))).toThrow(/could not prove/);
    expect(() => c.verifyServerFinal(Buffer.from('e=invalid-proof'))).toThrow(/the server refused: invalid-proof/);
  });

  it('refuses a server-first message that does not extend our nonce, weakens the hash, or is malformed', async () => {
    await expect(rfcClient().finalMessage(Buffer.from('r=someone-else,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).rejects.toThrow(/did not extend the client nonce/);
    await expect(rfcClient().finalMessage(Buffer.from(`r=${CLIENT_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`))).rejects.toThrow(/did not extend/);
    await expect(rfcClient().finalMessage(Buffer.from(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1`))).rejects.toThrow(/1 iterations; accepted are 4096/);
    await expect(rfcClient().finalMessage(Buffer.from(`r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999`))).rejects.toThrow(/iterations/);
    await expect(rfcClient().finalMessage(Buffer.from(`r=${CLIENT_NONCE}x,i=4096`))).rejects.toThrow(/lacks its nonce, salt/);
    await expect(rfcClient().finalMessage(Buffer.from('garbage'))).rejects.toThrow(/malformed SCRAM message/);
  });

  it('escapes "," and "=" in user names (RFC 5802 saslname)', () => {
    expect(new ScramClient('SCRAM-SHA-512', 'a,b=c', 'p', 'n0nce').firstMessage().toString()).toBe('n,,n=a=2Cb=3Dc,r=n0nce');
  });
});

describe('a SCRAM server that cannot prove it knows the key', () => {
  it('is refused before the connection is used: no request goes to it after the login', async () => {
    const { startFakeKafka } = await import('../helpers/fake-kafka-server.js');
    const { KafkaClient } = await import('../../src/client/client.js');
    const kafka = await startFakeKafka({ impostorScram: true });
    const client = new KafkaClient({
      bootstrap: [`127.0.0.1:${kafka.port}`],
      clientId: 'impostor-test',
      security: { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'pw' } },
    });
    try {
      const err = await client.cluster.metadata(null).then(() => null, (e: Error) => e);
      expect(err?.name).toBe('AuthenticationError');
      expect(err?.message).toMatch(/authentication failed for user "alice" with mechanism SCRAM-SHA-256: the server could not prove it knows the password \(wrong server signature\): it may be an impostor/);
      // ApiVersions, SaslHandshake, the two SCRAM steps — and nothing after them (no Metadata to the impostor).
      expect(kafka.connections.flat()).toEqual([18, 17, 36, 36]);
    } finally {
      await client.close();
      await kafka.close();
    }
  }, 30_000);
});

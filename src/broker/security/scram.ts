import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/*
 * SCRAM (RFC 5802) with SHA-256 and SHA-512 (RFC 7677), as Kafka uses it: no channel binding, the user name as the
 * principal. Only StoredKey and ServerKey are kept, so a leaked users file does not hand out passwords, and the server
 * never learns the password during a SCRAM exchange.
 */

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Kafka's bounds for iterations (ScramMechanism.minIterations and its 16384 cap for user-set values). */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16_384;
export const DEFAULT_ITERATIONS = 8192;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const pbkdf2Async = promisify(pbkdf2);

export const hashOf = (m: ScramMechanism): 'sha256' | 'sha512' => (m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512');
const hashLength = (m: ScramMechanism) => (m === 'SCRAM-SHA-256' ? 32 : 64);
const hmac = (m: ScramMechanism, key: Buffer, data: string | Buffer) => createHmac(hashOf(m), key).update(data).digest();
const h = (m: ScramMechanism, data: Buffer) => createHash(hashOf(m)).update(data).digest();

/** SaltedPassword = Hi(password, salt, i); PBKDF2 off the event loop (it takes milliseconds by design). */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, hashLength(m), hashOf(m));
}

/** The stored form of a password: what the users file keeps. */
export async function scramCredential(m: ScramMechanism, password: string, iterations = DEFAULT_ITERATIONS, salt = randomBytes(32)): Promise<ScramCredential> {
  const salted = await saltedPassword(m, password, salt, iterations);
  return { salt, iterations, storedKey: h(m, hmac(m, salted, 'Client Key')), serverKey: hmac(m, salted, 'Server Key') };
}

/** Does `password` match the credential? (How PLAIN logins are checked: against the SCRAM credential.) */
export async function passwordMatches(m: ScramMechanism, c: ScramCredential, password: string): Promise<boolean> {
  const salted = await saltedPassword(m, password, c.salt, c.iterations);
  return timingSafeEqual(h(m, hmac(m, salted, 'Client Key')), c.storedKey);
}

/** A failed step: what the client is told (never whether the user exists). */
export class SaslFailure extends Error {}

/** SCRAM's "saslname": ',' and '=' escaped as =2C and =3D; any other '=' is malformed. */
function unescapeName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new SaslFailure('invalid user name encoding');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(parts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of parts) {
    const m = /^([A-Za-z])=(.*)$/s.exec(p);
    if (!m) throw new SaslFailure(`malformed SCRAM attribute "${p.slice(0, 40)}"`);
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

/**
 * The server side of one SCRAM exchange: client-first → server-first, client-final → server-final. `lookup` gives the
 * user's credential, or null for an unknown user: the exchange then goes on with a decoy salt and fails at the proof,
 * so a client cannot tell unknown users from wrong passwords.
 */
export class ScramServer {
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private gs2Header = '';
  private nonce = '';
  private clientNonce = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private credential: ScramCredential | null = null;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: (user: string) => Promise<ScramCredential | null>,
    private readonly decoySecret: Buffer,
  ) {}

  /** The authenticated user, once `step` has returned the server-final message. */
  get username(): string | null {
    return this.state === 'done' ? this.user : null;
  }

  /** True once the client-first message is in: the next token carries the proof. */
  get awaitingProof(): boolean {
    return this.state === 'final';
  }

  /** Lets a failed exchange name who tried, for logs. */
  get attemptedUser(): string {
    return this.user;
  }

  async step(token: Buffer): Promise<Buffer> {
    const text = token.toString('utf8');
    if (this.state === 'first') return Buffer.from(await this.first(text));
    if (this.state === 'final') return Buffer.from(this.final(text));
    throw new SaslFailure('the SCRAM exchange is already complete');
  }

  private async first(text: string): Promise<string> {
    // gs2-header: "n,," or "y,," (no channel binding here), with an optional "a=authzid".
    const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(text);
    if (!m) throw new SaslFailure('malformed SCRAM client-first message');
    if (m[1]!.startsWith('p=')) throw new SaslFailure('channel binding is not supported');
    const bare = m[3]!;
    if (bare.startsWith('m=')) throw new SaslFailure('SCRAM extension "m" is not supported');
    const attrs = attributes(bare.split(','));
    const user = attrs.get('n');
    const clientNonce = attrs.get('r');
    if (!user || !clientNonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw new SaslFailure('SCRAM client-first message lacks a user name or nonce');
    this.user = unescapeName(user);
    const authzid = m[2] ? unescapeName(m[2].slice(2)) : '';
    if (authzid !== '' && authzid !== this.user) throw new SaslFailure('an authorization id other than the user name is not allowed');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = bare;
    this.credential = await this.lookup(this.user);
    const salt = this.credential?.salt ?? createHmac('sha256', this.decoySecret).update(`${this.mechanism}:${this.user}`).digest();
    const iterations = this.credential?.iterations ?? DEFAULT_ITERATIONS;
    this.clientNonce = clientNonce;
    this.nonce = clientNonce + randomBytes(24).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.state = 'final';
    return this.serverFirst;
  }

  private final(text: string): string {
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new SaslFailure('SCRAM client-final message lacks a proof');
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof.split(','));
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw new SaslFailure('SCRAM channel binding does not match');
    // librdkafka (2.0 at least) sends its client nonce and then the whole server nonce: the client nonce twice.
    // Kafka's ScramSaslServer accepts any final nonce that merely ends with the server's; we accept exactly the two
    // forms clients send. The proof covers the message as sent either way.
    const r = attrs.get('r');
    if (r !== this.nonce && r !== this.clientNonce + this.nonce) throw new SaslFailure('SCRAM nonce does not match');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const m = this.mechanism;
    const c = this.credential;
    this.state = 'done';
    if (!c || proof.length !== c.storedKey.length) throw new SaslFailure('invalid credentials');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(m, c.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(h(m, clientKey), c.storedKey)) throw new SaslFailure('invalid credentials');
    return `v=${hmac(m, c.serverKey, authMessage).toString('base64')}`;
  }
}

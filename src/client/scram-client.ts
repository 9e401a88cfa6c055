// The client side of SCRAM (RFC 5802) with SHA-256 and SHA-512 (RFC 7677), as Kafka uses it: no channel binding
// ("n,,"), the user name as the identity. The client proves it knows the password without sending it, and insists
// that the server prove it holds the matching key too: a server that cannot is an impostor, whatever it says.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

export type ScramHash = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** RFC 7677's floor, which Kafka's clients also enforce; below it a server could weaken the password hash. */
const MIN_ITERATIONS = 4096;
/** A hostile server must not make us spend minutes in PBKDF2 (Kafka's own servers stop at 16384). */
const MAX_ITERATIONS = 1_000_000;

const pbkdf2Async = promisify(pbkdf2);

/** The exchange failed on our side: the server's message was malformed or it failed to prove itself. */
export class ScramError extends Error {
  override name = 'ScramError';
}

/** ',' and '=' in a user name are written =2C and =3D (RFC 5802 "saslname"). */
const escapeName = (name: string): string => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new ScramError(`malformed SCRAM message from the server: "${message.slice(0, 80)}"`);
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

export class ScramClient {
  private readonly hash: 'sha256' | 'sha512';
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | null = null;

  constructor(
    mechanism: ScramHash,
    username: string,
    private readonly password: string,
    /** Fixed only by tests reproducing a published exchange; otherwise fresh random bytes per login. */
    private readonly nonce: string = randomBytes(24).toString('base64'),
  ) {
    this.hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.clientFirstBare = `n=${escapeName(username)},r=${nonce}`;
  }

  /** client-first-message: "n,," (no channel binding, no authzid) and the bare part. */
  firstMessage(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  /** client-final-message with the proof, from the server-first-message (its nonce, salt and iteration count). */
  async finalMessage(serverFirstBytes: Buffer): Promise<Buffer> {
    const serverFirst = serverFirstBytes.toString('utf8');
    const a = attributes(serverFirst);
    if (a.has('e')) throw new ScramError(`the server refused: ${a.get('e')}`);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (!nonce || !salt || !a.has('i')) throw new ScramError('the server-first message lacks its nonce, salt or iteration count');
    // The server extends our nonce; one that does not is answering some other exchange (or replaying one).
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw new ScramError('the server did not extend the client nonce');
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new ScramError(`the server asked for ${a.get('i')} iterations; accepted are ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
    }
    const length = this.hash === 'sha256' ? 32 : 64;
    // SASLprep is approximated by NFKC, as the broker does when it stores the credential.
    const salted = await pbkdf2Async(Buffer.from(this.password.normalize('NFKC'), 'utf8'), Buffer.from(salt, 'base64'), iterations, length, this.hash);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`; // biws = base64("n,,")
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(length);
    for (let i = 0; i < length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.expectedServerSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final-message: the server must prove it knows the key; throws when it does not. */
  verifyServerFinal(serverFinalBytes: Buffer): void {
    if (!this.expectedServerSignature) throw new ScramError('server-final message before the client-final message');
    const a = attributes(serverFinalBytes.toString('utf8'));
    if (a.has('e')) throw new ScramError(`the server refused: ${a.get('e')}`);
    const v = a.get('v');
    const signature = v === undefined ? Buffer.alloc(0) : Buffer.from(v, 'base64');
    if (signature.length !== this.expectedServerSignature.length || !timingSafeEqual(signature, this.expectedServerSignature)) {
      throw new ScramError('the server could not prove it knows the password (wrong server signature): it may be an impostor');
    }
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.hash, key).update(data, 'utf8').digest();
  }
}

import type { Logger } from '../../common/logger.js';
import { ThrottledWarning } from '../throttled-warning.js';
import type { AuthFailureDelay } from './auth-failure-delay.js';
import { parsePlain } from './plain.js';
import { passwordMatches, SaslFailure, SCRAM_MECHANISMS, ScramServer, type ScramMechanism } from './scram.js';
import type { UsersStore } from './users-store.js';

export const SASL_MECHANISMS = ['PLAIN', ...SCRAM_MECHANISMS] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** What the SASL listeners share, broker-wide. */
export interface SaslServices {
  users: UsersStore;
  failures: AuthFailureDelay;
  /** Failed logins, logged with user and address at most every few seconds. */
  warnings: ThrottledWarning;
  /** Random per broker start: salts for unknown users' decoy SCRAM exchanges. */
  decoySecret: Buffer;
  logger: Logger;
}

/** Kafka's sasl.server.max.receive.size: the largest frame a client may send before it has logged in. */
export const SASL_MAX_RECEIVE_BYTES = 512 * 1024;

/** A failure has already waited out its delay (AuthFailureDelay) when it is returned: answer it, then close. */
export type AuthStep = { ok: true; token: Buffer; done: boolean } | { ok: false; message: string };

/**
 * One connection's SASL state (Kafka's SaslServerAuthenticator): SaslHandshake picks a mechanism, then tokens go back
 * and forth, inside SaslAuthenticate requests or, after a v0 handshake, as bare frames, until the client is
 * authenticated or has failed. Before that, the connection may only send ApiVersions, SaslHandshake and
 * SaslAuthenticate. A new handshake once authenticated is re-authentication (KIP-368): it must end as the same user.
 */
export class SaslAuthenticator {
  private mechanism: SaslMechanism | null = null;
  private scram: ScramServer | null = null;
  /** After a v0 handshake the tokens come as bare size-prefixed frames, not SaslAuthenticate requests. */
  rawTokens = false;
  principal: string | null = null;

  /** `onAuthenticated`: called on each successful login (re-authentication included). */
  constructor(
    private readonly sv: SaslServices,
    private readonly address: string,
    private readonly onAuthenticated: (principal: string) => void = () => {},
  ) {}

  get authenticated(): boolean {
    return this.principal !== null && this.mechanism === null;
  }

  /** SaslHandshake: null when the mechanism is enabled, else the error to answer with. */
  handshake(mechanism: string, version: number): 'UNSUPPORTED_SASL_MECHANISM' | 'ILLEGAL_SASL_STATE' | null {
    if (this.mechanism !== null) return 'ILLEGAL_SASL_STATE';
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) return 'UNSUPPORTED_SASL_MECHANISM';
    this.mechanism = mechanism as SaslMechanism;
    this.rawTokens = version === 0;
    this.scram = mechanism === 'PLAIN' ? null : new ScramServer(mechanism as ScramMechanism, (u) => this.sv.users.credential(u, mechanism as ScramMechanism), this.sv.decoySecret);
    return null;
  }

  /** True once a handshake has chosen a mechanism and its tokens are awaited. */
  get inExchange(): boolean {
    return this.mechanism !== null;
  }

  /** One client token; a failure ends the connection. `signal`: aborted when the connection closes. */
  async step(token: Buffer, signal?: AbortSignal): Promise<AuthStep> {
    const mechanism = this.mechanism;
    const dropped = (): AuthStep => ({ ok: false, message: 'the connection closed' });
    if (mechanism === null) return this.sv.failures.check(this.address, async () => this.fail('?', '', 'no SaslHandshake before SaslAuthenticate'), signal, dropped);
    // SCRAM's first message checks nothing; every other token is a credential check, slowed after failures.
    if (this.scram && !this.scram.awaitingProof) return this.run(mechanism, token);
    return this.sv.failures.check(this.address, () => this.run(mechanism, token), signal, dropped);
  }

  private async run(mechanism: SaslMechanism, token: Buffer): Promise<AuthStep> {
    try {
      if (mechanism === 'PLAIN') {
        const { user, password } = parsePlain(token);
        if (!(await this.checkPlain(user, password))) return this.fail(mechanism, user, 'invalid credentials');
        return this.succeed(user, Buffer.alloc(0));
      }
      const scram = this.scram!;
      const reply = await scram.step(token);
      if (scram.username === null) return { ok: true, token: reply, done: false };
      return this.succeed(scram.username, reply);
    } catch (e) {
      if (!(e instanceof SaslFailure)) throw e;
      return this.fail(mechanism, this.scram?.attemptedUser ?? '', e.message);
    }
  }

  private async checkPlain(user: string, password: string): Promise<boolean> {
    const creds = await this.sv.users.credentials(user);
    const m = creds?.['SCRAM-SHA-256'] ? 'SCRAM-SHA-256' : creds?.['SCRAM-SHA-512'] ? 'SCRAM-SHA-512' : null;
    return m !== null && passwordMatches(m, creds![m]!, password);
  }

  private succeed(user: string, token: Buffer): AuthStep {
    if (this.principal !== null && this.principal !== user) {
      return this.fail(this.mechanism!, user, `re-authentication as ${user} on a connection authenticated as ${this.principal}`);
    }
    this.principal = user;
    this.mechanism = null;
    this.scram = null;
    this.onAuthenticated(user);
    return { ok: true, token, done: true };
  }

  private fail(mechanism: string, user: string, why: string): AuthStep {
    this.sv.warnings.warn(`SASL ${mechanism} authentication failed for user "${user.slice(0, 128)}" from ${this.address}: ${why}`);
    this.mechanism = null;
    this.scram = null;
    // Kafka's message: the same whether the user is unknown or the password wrong.
    return { ok: false, message: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}` };
  }
}

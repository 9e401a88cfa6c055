import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../../common/logger.js';
import { ConfigError, type BrokerConfig, type ClientAuthMode } from '../config.js';
import { ThrottledWarning } from '../throttled-warning.js';
import type { ServerTls } from './certificates.js';
import { serverTls } from './server-tls.js';
import { principalOfSubject } from './tls-principal.js';

/** A TLS client that has not finished its handshake by then is dropped (a plaintext client on a TLS port, a stalled peer). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The server side of the TLS listeners' handshakes: one certificate (TLS 1.2+ only) for every TLS listener. */
export class TlsAcceptor {
  private readonly failedHandshake: ThrottledWarning;

  private constructor(
    private readonly context: SecureContext,
    private readonly files: ServerTls,
    private readonly clientAuth: ClientAuthMode,
    log: Logger,
  ) {
    this.failedHandshake = new ThrottledWarning(log);
  }

  /** The user's certificate (`tls` in the config) or the one generated in DATA/tls/. */
  static async load(config: BrokerConfig, log: Logger): Promise<TlsAcceptor> {
    let files: ServerTls;
    try {
      files = await serverTls(config, [], log);
    } catch (e) {
      // Only the user's own files can be unreadable or unusable here; a generation failure is not a config mistake.
      if (config.tls) throw new ConfigError((e as Error).message);
      throw e;
    }
    const mode = config.clientAuth.mode;
    let clientCa: string | undefined;
    if (mode !== 'none') {
      // The generated CA signs both sides unless the user names another (config.ts insists on one with their own certificate).
      const caFile = config.clientAuth.caFile ?? files.caFile!;
      try {
        clientCa = readFileSync(caFile, 'utf8');
      } catch (e) {
        throw new ConfigError(`tls.clientCa: cannot read ${caFile}: ${(e as Error).message}`);
      }
    }
    let context: SecureContext;
    try {
      context = createSecureContext({ cert: files.cert, key: files.key, minVersion: 'TLSv1.2', ...(clientCa ? { ca: clientCa } : {}) });
    } catch (e) {
      throw new ConfigError(`tls: the certificate, key or client CA cannot be used (${(e as Error).message}); check that the key belongs to the certificate and all are PEM`);
    }
    return new TlsAcceptor(context, files, mode, log);
  }

  /** The CA file clients should trust: the generated one, or null with the user's own certificate. */
  get caFile(): string | null {
    return this.files.caFile;
  }

  /**
   * Wraps an accepted socket in TLS. The caller builds its connection at once (it counts against the limits like any
   * other) but sees bytes only after the handshake; one that fails or stalls closes this socket alone, with a
   * throttled warning. `onSecure` gets the verified client certificate's subject (RFC 2253) or null before any byte
   * of the connection is delivered.
   */
  wrap(socket: Socket, ip: string, onSecure: (tlsPrincipal: string | null) => void = () => {}): TLSSocket {
    // The certificate is checked here rather than by rejectUnauthorized, so "requested" and "required" share one path
    // and a refusal is logged with its reason.
    const requestCert = this.clientAuth !== 'none';
    const tls = new TLSSocket(socket, { isServer: true, secureContext: this.context, requestCert, rejectUnauthorized: false });
    // Both layers are destroyed explicitly, so the accepted socket (which holds a connection slot) can never outlive
    // a TLS wrapper that failed.
    const drop = () => {
      tls.destroy();
      socket.destroy();
    };
    const timer = setTimeout(() => {
      this.failedHandshake.warn(`TLS handshake from ${ip} did not finish within ${TLS_HANDSHAKE_TIMEOUT_MS} ms; closed`);
      drop();
    }, TLS_HANDSHAKE_TIMEOUT_MS);
    let secured = false;
    tls.once('secure', () => {
      secured = true;
      clearTimeout(timer);
      if (!requestCert) return onSecure(null);
      const cert = tls.getPeerX509Certificate();
      const problem = cert ? verifyError(tls) : null;
      if (problem) {
        this.failedHandshake.warn(`TLS client certificate from ${ip} (${principalOfSubject(cert!.subject)}) refused: ${problem}; client certificates must be signed by the client CA (tls.clientCa) and be valid now`);
        return drop();
      }
      if (!cert && this.clientAuth === 'required') {
        this.failedHandshake.warn(`TLS client from ${ip} sent no certificate and tls.clientAuth is "required"; closed`);
        return drop();
      }
      onSecure(cert ? principalOfSubject(cert.subject) : null);
    });
    tls.once('close', () => {
      clearTimeout(timer);
      socket.destroy();
    });
    tls.on('error', (e: NodeJS.ErrnoException) => {
      if (secured) return; // a reset after the handshake: the connection closes as over plain TCP
      this.failedHandshake.warn(`TLS handshake from ${ip} failed (${e.code ?? e.message}): a client without TLS on a TLS listener, or one that does not trust this certificate`);
      drop();
    });
    return tls;
  }
}

/**
 * OpenSSL's verdict on the peer's chain against the context's CA (null: verified). A TLSSocket made around an accepted
 * socket, rather than by a tls.Server, never sets `authorized`: the Server does that in a 'secure' handler reading this
 * same handle (node's _tls_wrap.js onServerSocketSecure). Without the handle, fail closed.
 */
function verifyError(tls: TLSSocket): string | null {
  const handle = (tls as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  if (typeof handle?.verifyError !== 'function') return 'the certificate could not be verified';
  const e = handle.verifyError();
  return e ? (e.code ?? e.message) : null;
}

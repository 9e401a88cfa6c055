// Opening the byte stream to a broker: plain TCP, or TLS (1.2 or newer) with the broker's certificate verified
// against the configured CA and its host name checked. Failures say which CA and host were involved and what to
// change, instead of OpenSSL's codes alone.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConnectionError, reasonOf } from './connection-error.js';
import { caDescription, tlsOptionsFor, usesTls, type ClientSecurity } from './security.js';

/** OpenSSL's verification failures that mean "not signed by a CA we trust". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** A TLS failure for people: which CA, host or certificate is involved and what to change. */
export function tlsProblem(err: NodeJS.ErrnoException, host: string, security: ClientSecurity): string {
  const code = err.code ?? '';
  const ca = caDescription(security);
  // The broker's alerts about our certificate (mTLS); under TLS 1.3 they arrive after the handshake seemed done.
  if (/CERTIFICATE_REQUIRED/.test(code)) return `TLS: the broker requires a client certificate (${code}); give one with its key (--cert and --key)`;
  if (/ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE)/.test(code)) {
    return `TLS: the broker refused our client certificate (${code}); it must be signed by a CA the broker trusts`;
  }
  if (UNTRUSTED.has(code)) {
    return `TLS: the broker's certificate is not signed by a CA we trust (${code}); trusted: ${ca}. Give the broker's CA file (a tributary broker's is DATA/tls/ca.pem)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the broker's certificate does not name "${security.servername ?? host}" (${err.message}); connect by a name or address the certificate lists, or set the expected server name`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `TLS: the broker's certificate is not valid now (${code}); trusted: ${ca}`;
  if (code === 'ECONNRESET' || /socket disconnected|before secure TLS/i.test(err.message)) {
    return 'the connection closed during the TLS handshake — is this a TLS listener (SSL or SASL_SSL)? A PLAINTEXT or SASL_PLAINTEXT listener closes TLS clients';
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(err.message)) {
    return `the broker did not answer in TLS (${err.message}) — is this a PLAINTEXT or SASL_PLAINTEXT listener? Use security protocol PLAINTEXT or SASL_PLAINTEXT for it`;
  }
  return `TLS handshake failed: ${reasonOf(err)}`;
}

/** A connected socket (TLS handshake done, when TLS is on), or a ConnectionError within `timeoutMs`. */
export function openSocket(host: string, port: number, security: ClientSecurity | undefined, timeoutMs: number): Promise<Socket> {
  const address = `${host}:${port}`;
  const tls = usesTls(security);
  return new Promise<Socket>((resolve, reject) => {
    let s: Socket;
    try {
      s = tls ? tlsConnect({ ...tlsOptionsFor(security!, host), port }) : tcpConnect({ host, port });
    } catch (err) {
      reject(new ConnectionError(address, (err as Error).message, { cause: err }));
      return;
    }
    const timer = setTimeout(() => {
      s.destroy();
      const what = tls ? 'connection and TLS handshake' : 'connection';
      reject(new ConnectionError(address, `${what} timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    s.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      s.destroy();
      // Refused, unreachable, unknown host: the same as without TLS. Anything else happened in the handshake.
      const tcpLevel = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH';
      // A TLS failure's own socket code (ECONNRESET mid-handshake) would be read as a plain network problem.
      if (tls && !tcpLevel) reject(new ConnectionError(address, tlsProblem(err, host, security!)));
      else reject(new ConnectionError(address, reasonOf(err), { cause: err }));
    });
  });
}

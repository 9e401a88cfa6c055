// A connection's security settings as the API shows them: everything a form needs to edit them again, and where
// the SASL password comes from, but never the password itself nor the path of the file this app keeps it in.
import type { SaslMechanism, SecurityProtocol } from '../../client/security.js';
import type { SecuritySpec } from '../../client/security-spec.js';

export interface SecurityView {
  protocol: SecurityProtocol;
  ca: string[] | null;
  cert: string | null;
  key: string | null;
  servername: string | null;
  /** false: the broker's certificate is not verified at all (the client has no host-name-only switch). */
  rejectUnauthorized: boolean;
  sasl: {
    mechanism: SaslMechanism | null;
    username: string | null;
    /** A password file the user named; null when the password is stored by this app or comes from the environment. */
    passwordFile: string | null;
    /** stored: typed in the UI and kept by this app; file: the user's password file; environment: TRIBUTARY_SASL_PASSWORD. */
    password: 'stored' | 'file' | 'environment';
  } | null;
}

export function securityView(spec: SecuritySpec | undefined, storedFile: string): SecurityView | null {
  if (!spec) return null;
  const ca = spec.ca === undefined ? null : Array.isArray(spec.ca) ? spec.ca : [spec.ca];
  const s = spec.sasl;
  const stored = s?.passwordFile !== undefined && s.passwordFile === storedFile;
  return {
    protocol: spec.protocol ?? 'PLAINTEXT',
    ca,
    cert: spec.cert ?? null,
    key: spec.key ?? null,
    servername: spec.servername ?? null,
    rejectUnauthorized: spec.rejectUnauthorized ?? true,
    sasl: s
      ? {
          mechanism: s.mechanism ?? null,
          username: s.username ?? null,
          passwordFile: stored ? null : (s.passwordFile ?? null),
          password: stored ? 'stored' : s.passwordFile !== undefined ? 'file' : 'environment',
        }
      : null,
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The token a request presents: `Authorization: Bearer T`, `Token T` (InfluxDB 2 clients) or `Basic` with T as the
 * password (InfluxDB 1 clients with a username and password). Null when there is none.
 */
export function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const m = /^(\S+)\s+(.+)$/.exec(authorization.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer' || scheme === 'token') return m[2]!.trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? null : decoded.slice(colon + 1);
  }
  return null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (of digests, so lengths do not leak either). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  return presented !== null && timingSafeEqual(digest(presented), digest(expected));
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopback } from '../common/listen.js';
import { presentedToken, tokenMatches } from '../ingest/http/auth.js';
import { ApiError, pathOf } from './errors.js';

/** The cookie the browser gets from `/?token=…`: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const TOKEN_COOKIE = 'tributary_token';

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The value of one cookie from a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function isWebSocketUpgrade(req: FastifyRequest): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** `host:port` of a Host header or an Origin URL, lower-cased; null when it has none. */
function hostPortOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  try {
    const u = new URL(`http://${hostHeader}`);
    return `${u.hostname}:${u.port || '80'}`.toLowerCase();
  } catch {
    return null;
  }
}

export interface AuthOptions {
  token: string;
  /** The server listens on loopback only: requests must then name a loopback Host (no DNS rebinding). */
  loopbackOnly: boolean;
}

/**
 * Every `/api/v1/*` request presents the token: `Authorization: Bearer …` or the cookie; a WebSocket upgrade may also
 * pass it as `?token=` (browsers cannot set headers on one), and must come from a page of this server (its Origin names
 * the host:port it connects to) or from no page at all (no Origin: a program). Compared in constant time.
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.addHook('onRequest', async (req) => {
    const host = hostPortOf(req.headers.host);
    if (opts.loopbackOnly && (!host || !isLoopback(host.slice(0, host.lastIndexOf(':')).replace(/^\[|\]$/g, '')))) {
      throw new ApiError(403, 'FORBIDDEN', `this server answers only requests addressed to it by a loopback address (Host: ${req.headers.host ?? 'none'}); use http://127.0.0.1:<port>/`);
    }
    if (!pathOf(req).startsWith('/api/') || pathOf(req) === '/api/v1/login') return;
    const ws = isWebSocketUpgrade(req);
    if (ws) checkOrigin(req, host);
    const presented =
      presentedToken(req.headers.authorization) ?? cookieValue(req.headers.cookie, TOKEN_COOKIE) ?? (ws ? (req.query as Record<string, unknown>)?.token : null);
    if (!tokenMatches(typeof presented === 'string' ? presented : null, opts.token)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'missing or wrong token: send Authorization: Bearer <token>, or open the URL `tributary serve` printed (it sets a cookie)', {
        'WWW-Authenticate': 'Bearer realm="tributary"',
      });
    }
  });
}

function checkOrigin(req: FastifyRequest, host: string | null): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let o: URL | null = null;
  try {
    o = new URL(origin);
  } catch {
    o = null;
  }
  const originHost = o && (o.protocol === 'http:' || o.protocol === 'https:') ? `${o.hostname}:${o.port || (o.protocol === 'https:' ? '443' : '80')}`.toLowerCase() : null;
  if (!originHost || originHost !== host) {
    throw new ApiError(403, 'FORBIDDEN', `WebSocket connections are accepted only from this server's own pages (Origin ${origin} is not http://${req.headers.host})`);
  }
}

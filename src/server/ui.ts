import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../common/package-info.js';
import { tokenMatches } from '../ingest/http/auth.js';
import { tokenCookie } from './auth.js';
import { ApiError } from './errors.js';

/** Where the GUI's built files are (`renderer/dist` of the package), when they exist. */
export const DEFAULT_UI_DIR = join(packageRoot() ?? '.', 'renderer', 'dist');

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tributary</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>Tributary</h1>
<p>The API is running. The desktop GUI is not built into this installation yet.</p>
<ul>
<li><a href="/api/v1/openapi.json">OpenAPI document</a> (every endpoint, its parameters and answers)</li>
<li><a href="/api/v1/overview">Overview</a> · <a href="/api/v1/topics">Topics</a> · <a href="/api/v1/groups">Consumer groups</a> · <a href="/api/v1/sources">Sources</a></li>
</ul>
<p>This browser is signed in by a cookie. Programs send <code>Authorization: Bearer &lt;token&gt;</code>; the token is in the line
<code>tributary serve</code> printed, and in <code>__meta/api-token</code> in the data directory.</p>
</body></html>
`;

/**
 * `/`: the GUI (static files of `uiDir`) or, until it is built, a page with links. Opened as `/?token=…` (the URL
 * `serve` prints) it sets the token cookie and redirects to `/`, so the token leaves the address bar and history.
 */
export async function registerUi(app: FastifyInstance, token: string, uiDir: string): Promise<void> {
  const hasUi = existsSync(join(uiDir, 'index.html'));
  if (hasUi) await app.register(fastifyStatic, { root: uiDir, index: false, wildcard: true });
  app.get(
    '/',
    {
      schema: {
        hide: true,
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 256 } } },
      },
    },
    async (req, reply) => {
      const { token: given } = req.query as { token?: string };
      if (given !== undefined) {
        if (!tokenMatches(given, token)) throw new ApiError(401, 'UNAUTHORIZED', 'wrong token in the URL: open the URL `tributary serve` printed last');
        return reply.header('Set-Cookie', tokenCookie(token)).header('Cache-Control', 'no-store').redirect('/', 302);
      }
      reply.header('Cache-Control', 'no-store');
      if (hasUi) return reply.sendFile('index.html');
      return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
    },
  );
}

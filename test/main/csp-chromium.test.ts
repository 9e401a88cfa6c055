// The shell's Content-Security-Policy in a real browser engine (Debian's headless Chromium, the engine Electron
// embeds): a page served with the header main/security.ts installs runs its own script file and opens a WebSocket to
// its server, while an inline script, eval and a request to another origin are refused.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { contentSecurityPolicy } from '../../main/security.js';
import { requireTools, type ExternalTool } from '../helpers/require-tool.js';

const CHROMIUM: ExternalTool = { name: 'Chromium', command: '/usr/bin/chromium', probe: ['--version'], install: 'apt-get install chromium' };
const available = requireTools(CHROMIUM);

let server: Server;
let other: Server;
let origin: string;

const PAGE = `<!doctype html><html><body><div id="r">start</div>
<script>document.getElementById('r').textContent += ' inline-ran';</script>
<img src="x" onerror="document.getElementById('r').textContent += ' handler-ran'">
<script src="/app.js"></script></body></html>`;

const APP = `const r = document.getElementById('r');
const add = (s) => (r.textContent += ' ' + s);
add('self-ran');
try { eval('1'); add('eval-ran'); } catch { add('eval-blocked'); }
fetch(OTHER).then(() => add('other-origin-ran'), () => add('other-origin-blocked'));
const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
ws.onopen = () => { add('ws-open'); ws.close(); };
ws.onerror = () => add('ws-error');`;

beforeAll(async () => {
  if (!available) return;
  other = createServer((_req, res) => res.writeHead(200, { 'access-control-allow-origin': '*' }).end('ok'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
  server = createServer((req, res) => {
    const csp = contentSecurityPolicy(origin);
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript', 'content-security-policy': csp }).end(APP.replace('OTHER', JSON.stringify(otherUrl)));
    else res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end(PAGE);
  });
  new WebSocketServer({ server, path: '/ws' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  other?.close();
});

describe.skipIf(!available)('the CSP in Chromium', () => {
  it("runs the server's own script and WebSocket; refuses inline script, inline handlers, eval and other origins", async () => {
    const { stdout } = await promisify(execFile)(
      CHROMIUM.command,
      ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=5000', '--dump-dom', `${origin}/`],
      { timeout: 60_000, maxBuffer: 1024 * 1024 },
    );
    const result = /<div id="r">([^<]*)<\/div>/.exec(stdout)?.[1] ?? stdout;
    const words = result.split(' ');
    expect(words).toContain('self-ran');
    expect(words).toContain('eval-blocked');
    expect(words).toContain('other-origin-blocked');
    expect(words).toContain('ws-open');
    expect(words.filter((w) => /inline-ran|handler-ran|eval-ran|other-origin-ran|ws-error/.test(w))).toEqual([]);
  }, 180_000);
});

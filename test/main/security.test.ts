// main/security.ts: the window's options, the CSP on every response, navigation and window.open blocked, links to
// elsewhere opened in the browser only when http(s), and permissions denied by default. Driven through fake
// webContents and sessions (test/main/electron-fake.ts): the handlers are the real ones the shell installs.
import { describe, expect, it, vi } from 'vitest';
import {
  contentSecurityPolicy,
  guardNavigation,
  installCsp,
  installPermissionHandlers,
  isLocalUrl,
  safeExternalUrl,
  webPreferences,
} from '../../main/security.js';
import { FakeWebContents, fakeSession } from './electron-fake.js';

const ORIGIN = 'http://127.0.0.1:41234';

function navEvent() {
  return { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
}

describe('window options', () => {
  it('sandboxes the renderer, isolates the preload, gives the page no Node', () => {
    const p = webPreferences('/app/dist/main/preload.cjs', false);
    expect(p).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });
});

describe('content security policy', () => {
  it("allows scripts only from the server itself: no inline script, no eval, no other origin", () => {
    const csp = contentSecurityPolicy(ORIGIN);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    // The live tail's WebSocket to the same server, and nothing else.
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:41234']);
    expect(csp).not.toMatch(/unsafe-eval|\*/);
  });

  it('is set on every response, replacing whatever policy the server sent, and is the strictest while the core is down', () => {
    const session = fakeSession();
    let origin: string | null = ORIGIN;
    installCsp(session as never, () => origin);
    const run = (responseHeaders: Record<string, string[]>) => {
      let out: Record<string, string[]> | undefined;
      session.headersListener({ url: `${ORIGIN}/`, responseHeaders }, (r: { responseHeaders: Record<string, string[]> }) => (out = r.responseHeaders));
      return out!;
    };
    const h = run({ 'content-type': ['text/html'], 'content-security-policy': ["script-src *"] });
    expect(h['Content-Security-Policy']).toEqual([contentSecurityPolicy(ORIGIN)]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['content-type']).toEqual(['text/html']);
    origin = null;
    expect(run({})['Content-Security-Policy']).toEqual(["default-src 'none'"]);
  });
});

describe('external links', () => {
  it.each([
    ['https://github.com/tributary/tributary/issues?q=a#b', 'https://github.com/tributary/tributary/issues?q=a#b'],
    ['http://example.com', 'http://example.com/'],
    ['HTTPS://Example.COM/x', 'https://example.com/x'],
  ])('opens %s', (url, expected) => expect(safeExternalUrl(url)).toBe(expected));

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'smb://server/share',
    'ms-settings:',
    'vscode://file/etc/passwd',
    'https://user:pass@example.com/',
    'http://',
    'not a url',
    '',
    `https://example.com/${'a'.repeat(3000)}`,
  ])('refuses %s', (url) => expect(safeExternalUrl(url)).toBeNull());

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 42, { toString: () => 'https://example.com' }, ['https://example.com']]) expect(safeExternalUrl(v)).toBeNull();
  });

  it('knows the local server by origin, not by prefix', () => {
    expect(isLocalUrl(`${ORIGIN}/search?q=x`, ORIGIN)).toBe(true);
    expect(isLocalUrl('http://127.0.0.1:41234.evil.com/', ORIGIN)).toBe(false);
    expect(isLocalUrl('http://127.0.0.1:41235/', ORIGIN)).toBe(false);
    expect(isLocalUrl('https://127.0.0.1:41234/', ORIGIN)).toBe(false);
    expect(isLocalUrl(`${ORIGIN}/`, null)).toBe(false);
  });
});

describe('navigation and new windows', () => {
  function guarded(origin: string | null = ORIGIN) {
    const contents = new FakeWebContents();
    const openExternal = vi.fn();
    guardNavigation(contents as never, { origin: () => origin, openExternal });
    return { contents, openExternal };
  }

  it('lets the page move within the local server', () => {
    const { contents, openExternal } = guarded();
    const e = navEvent();
    contents.emit('will-navigate', e, `${ORIGIN}/topics/app-logs`);
    expect(e.defaultPrevented).toBe(false);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('keeps the window on the app and sends http(s) links to the browser', () => {
    const { contents, openExternal } = guarded();
    const e = navEvent();
    contents.emit('will-navigate', e, 'https://kafka.apache.org/documentation/');
    expect(e.defaultPrevented).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://kafka.apache.org/documentation/');
  });

  it('drops navigation to file:, javascript: and custom schemes without opening anything', () => {
    const { contents, openExternal } = guarded();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'vscode://x', 'http://127.0.0.1:9/']) {
      const e = navEvent();
      contents.emit('will-navigate', e, url);
      expect(e.defaultPrevented, url).toBe(true);
    }
    expect(openExternal.mock.calls.map((c) => c[0])).toEqual(['http://127.0.0.1:9/']);
  });

  it('blocks every navigation while the core is down (no trusted origin)', () => {
    const { contents } = guarded(null);
    const e = navEvent();
    contents.emit('will-navigate', e, `${ORIGIN}/`);
    expect(e.defaultPrevented).toBe(true);
  });

  it('blocks redirects and subframe navigation away from the server, and <webview>', () => {
    const { contents } = guarded();
    const redirect = navEvent();
    contents.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.defaultPrevented).toBe(true);
    const sameOrigin = navEvent();
    contents.emit('will-redirect', sameOrigin, `${ORIGIN}/`); // /?token=… answers 302 to /
    expect(sameOrigin.defaultPrevented).toBe(false);
    const frame = Object.assign(navEvent(), { url: 'https://evil.example/' });
    contents.emit('will-frame-navigate', frame);
    expect(frame.defaultPrevented).toBe(true);
    const webview = navEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });

  it('never opens a new window: window.open and target=_blank go to the browser when http(s), else nowhere', () => {
    const { contents, openExternal } = guarded();
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: `${ORIGIN}/search` })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://example.com/']]);
  });
});

describe('permissions', () => {
  function handlers(origin: string | null = ORIGIN) {
    const session = fakeSession();
    installPermissionHandlers(session as never, () => origin);
    const request = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      session.permissionRequest({}, permission, (g: boolean) => (granted = g), { requestingUrl });
      return granted;
    };
    return { session, request };
  }

  it('denies every permission request by default, from any page', () => {
    const { request } = handlers();
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'unknown']) {
      expect(request(p, `${ORIGIN}/`), p).toBe(false);
    }
  });

  it("grants only the copy buttons' clipboard write, and only to the local server's pages", () => {
    const { session, request } = handlers();
    expect(request('clipboard-sanitized-write', `${ORIGIN}/messages`)).toBe(true);
    expect(request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(session.permissionCheck({}, 'clipboard-sanitized-write', ORIGIN)).toBe(true);
    expect(session.permissionCheck({}, 'media', ORIGIN)).toBe(false);
    expect(session.permissionCheck({}, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(session.devicePermission({ deviceType: 'usb' })).toBe(false);
    expect(handlers(null).request('clipboard-sanitized-write', `${ORIGIN}/`)).toBe(false);
  });

  it('cancels downloads that do not come from the local server (exports do)', () => {
    const { session } = handlers();
    const item = (url: string) => ({ url, cancelled: false, getURL() { return this.url; }, cancel() { this.cancelled = true; } });
    const local = item(`${ORIGIN}/api/v1/search/export?q=x`);
    const other = item('https://evil.example/x.exe');
    session.emit('will-download', {}, local);
    session.emit('will-download', {}, other);
    expect(local.cancelled).toBe(false);
    expect(other.cancelled).toBe(true);
  });
});

describe('guarding a webContents twice (the window, then web-contents-created)', () => {
  it('opens an external link once, not once per guard', () => {
    const contents = new FakeWebContents();
    const openExternal = vi.fn();
    guardNavigation(contents as never, { origin: () => ORIGIN, openExternal });
    guardNavigation(contents as never, { origin: () => ORIGIN, openExternal });
    contents.emit('will-navigate', navEvent(), 'https://example.com/');
    expect(openExternal).toHaveBeenCalledTimes(1);
  });
});

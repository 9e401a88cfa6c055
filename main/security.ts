/**
 * Electron's security checklist, in one place (https://www.electronjs.org/docs/latest/tutorial/security). The window
 * shows only pages of the core's loopback server (its origin changes when the core restarts, hence the getter); every
 * other URL is either opened in the user's browser (http/https links) or refused.
 */
import type { Event, Session, WebContents, WebPreferences } from 'electron';

/** Where the window may be: the local server's origin (`http://127.0.0.1:PORT`), or null while the core is down. */
export type OriginGetter = () => string | null;

export function webPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  };
}

/**
 * Scripts only from the server's own files (no inline script, no eval), data only from it (fetch, WebSocket, workers),
 * nothing framed, no plugins. Styles allow inline: the UI sets style attributes (uPlot, Svelte's style: directives),
 * which cannot run code; inline scripts stay forbidden.
 */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Adds the CSP to every response the window gets, whatever the server sent, so a page without a meta tag is covered too. */
export function installCsp(session: Session, origin: OriginGetter): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const current = origin();
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    // No origin yet: nothing legitimate is loading, so the strictest policy.
    headers['Content-Security-Policy'] = [current ? contentSecurityPolicy(current) : "default-src 'none'"];
    callback({ responseHeaders: headers });
  });
}

/** True when `url` is a page of the local server at `origin`. */
export function isLocalUrl(url: string, origin: string | null): boolean {
  if (!origin) return false;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

const MAX_EXTERNAL_URL = 2048;

/**
 * The normalised URL when it is safe to hand to the OS (shell.openExternal): http or https, a host, no credentials,
 * of sane length; null otherwise. `file:`, `javascript:`, custom schemes (which launch other programs) are refused.
 */
export function safeExternalUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_EXTERNAL_URL) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!u.hostname || u.username || u.password) return null;
  return u.href;
}

export interface GuardOptions {
  origin: OriginGetter;
  /** Opens a validated http(s) URL in the user's browser (shell.openExternal). */
  openExternal: (url: string) => void;
}

/**
 * No navigation away from the local server and no new windows: a link to elsewhere opens in the browser (when it is
 * http/https), anything else is dropped. No <webview>.
 */
const guarded = new WeakSet<WebContents>();

export function guardNavigation(contents: WebContents, opts: GuardOptions): void {
  // Once per webContents: the window's is guarded when it is made and again by app's web-contents-created, and two
  // will-navigate listeners would open an external link twice.
  if (guarded.has(contents)) return;
  guarded.add(contents);
  const leave = (event: Event, url: string) => {
    if (isLocalUrl(url, opts.origin())) return;
    event.preventDefault();
    const safe = safeExternalUrl(url);
    if (safe) opts.openExternal(safe);
  };
  contents.on('will-navigate', leave);
  contents.on('will-frame-navigate', (event) => {
    if (!isLocalUrl(event.url, opts.origin())) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isLocalUrl(url, opts.origin())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url);
    if (safe && !isLocalUrl(safe, opts.origin())) opts.openExternal(safe);
    return { action: 'deny' };
  });
}

/** The one permission the UI uses (its copy buttons), and only for the local server's pages; everything else is denied. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function installPermissionHandlers(session: Session, origin: OriginGetter): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(ALLOWED_PERMISSIONS.has(permission) && isLocalUrl(details.requestingUrl, origin()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => ALLOWED_PERMISSIONS.has(permission) && isLocalUrl(requestingOrigin, origin()));
  session.setDevicePermissionHandler(() => false);
  // Exports (NDJSON, CSV) come from the local server; a download from anywhere else is cancelled.
  session.on('will-download', (_event, item) => {
    if (!isLocalUrl(item.getURL(), origin())) item.cancel();
  });
}

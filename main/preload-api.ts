/**
 * What the window's page gets from the shell, as `window.tributaryDesktop` (main/preload.cts). In a plain browser
 * against `tributary serve` it is absent, so the UI checks for it and falls back (links open with target=_blank).
 */
export interface TributaryDesktop {
  /** App version, Electron version and OS platform. */
  info(): Promise<{ version: string; electron: string; platform: string }>;
  /** Opens an http(s) link in the user's browser; rejects anything else. */
  openExternal(url: string): Promise<void>;
}

/**
 * The only IPC the page can use: what the preload exposes (main/preload.cts). Every message is checked to come from the
 * top frame of a page of the local server before anything is done with it.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { isLocalUrl, safeExternalUrl, type OriginGetter } from './security.js';

/** Channel names; main/preload.cts repeats them (a sandboxed preload cannot import local files) and a test checks they agree. */
export const IPC = {
  info: 'tributary:info',
  openExternal: 'tributary:open-external',
} as const;

/** What `window.tributaryDesktop.info()` answers. */
export interface DesktopInfo {
  version: string;
  electron: string;
  platform: string;
}

export interface IpcOptions {
  origin: OriginGetter;
  info: () => DesktopInfo;
  /** Opens a validated http(s) URL in the user's browser. */
  openExternal: (url: string) => Promise<void>;
}

/** The sender is the main frame of a page of the local server (not a subframe, not a page that got there some other way). */
export function trustedSender(event: IpcMainInvokeEvent, origin: string | null): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return isLocalUrl(frame.url, origin);
}

export function registerIpc(ipcMain: IpcMain, opts: IpcOptions): void {
  const guarded =
    <A extends unknown[], R>(channel: string, handler: (...args: A) => R) =>
    (event: IpcMainInvokeEvent, ...args: unknown[]): R => {
      if (!trustedSender(event, opts.origin())) throw new Error(`${channel} refused: the sender is not a page of this app`);
      return handler(...(args as A));
    };
  ipcMain.handle(IPC.info, guarded(IPC.info, () => opts.info()));
  ipcMain.handle(
    IPC.openExternal,
    guarded(IPC.openExternal, async (url: unknown) => {
      const safe = safeExternalUrl(url);
      if (!safe) throw new Error('openExternal refused: only http and https links can be opened');
      if (isLocalUrl(safe, opts.origin())) throw new Error('openExternal refused: that is a page of this app');
      await opts.openExternal(safe);
    }),
  );
}

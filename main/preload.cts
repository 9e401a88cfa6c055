/**
 * The preload of the app's window: runs sandboxed (no Node), before the page, in its own world. It gives the page one
 * object, `window.tributaryDesktop` (typed in main/preload-api.ts), with what the UI needs from the shell and nothing
 * else: no ipcRenderer, no token (the page is signed in by an HttpOnly cookie it cannot read). Channel names repeat
 * main/ipc.ts's IPC because a sandboxed preload cannot require local files; a test checks they agree.
 */
import electron = require('electron');
import type { TributaryDesktop } from './preload-api.js';

const api: TributaryDesktop = {
  info: () => electron.ipcRenderer.invoke('tributary:info'),
  openExternal: (url: string) => electron.ipcRenderer.invoke('tributary:open-external', String(url)),
};

electron.contextBridge.exposeInMainWorld('tributaryDesktop', api);

/** The app's one window: the UI from the core's local server, with the options of main/security.ts. */
import { BrowserWindow } from 'electron';
import { guardNavigation, webPreferences, type GuardOptions } from './security.js';

export interface WindowOptions extends GuardOptions {
  preload: string;
  icon: string;
  devTools: boolean;
}

export function createMainWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Tributary',
    icon: o.icon,
    autoHideMenuBar: true,
    backgroundColor: '#10151c',
    webPreferences: webPreferences(o.preload, o.devTools),
  });
  guardNavigation(win.webContents, o);
  win.once('ready-to-show', () => win.show());
  return win;
}

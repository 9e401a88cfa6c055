/**
 * The shell's wiring: one instance, one window, the tray, the supervised core, and a clean stop on quit. Everything
 * it decides is in the modules it wires (security, ipc, core-supervisor, alerts, tray), each tested on its own.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Notification, session, shell, utilityProcess } from 'electron';
import { withCoreMallocEnv } from '../src/common/malloc-env.js';
import type { Alert } from './alerts.js';
import { CoreSupervisor, type CoreState } from './core-supervisor.js';
import { registerIpc } from './ipc.js';
import { SHELL_PATHS, type ShellPaths } from './paths.js';
import { guardNavigation, installCsp, installPermissionHandlers, safeExternalUrl } from './security.js';
import { StatusPoller } from './status-poller.js';
import { statusPageUrl } from './status-page.js';
import { StatusTray } from './tray.js';
import { createMainWindow } from './window.js';

export interface DesktopHandle {
  /** False when another instance already runs (this one asked it to show its window and quits). */
  primary: boolean;
}

export function startDesktop(paths: ShellPaths = SHELL_PATHS): DesktopHandle {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { primary: false };
  }
  let win: BrowserWindow | null = null;
  let origin: string | null = null;
  let quitting = false;

  const showWindow = () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  // A second launch (double-click on the icon again) brings this window forward instead of starting another core.
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  app.on('web-contents-created', (_event, contents) => guardNavigation(contents, { origin: () => origin, openExternal }));

  function openExternal(url: string): void {
    const safe = safeExternalUrl(url);
    if (safe) void shell.openExternal(safe);
  }

  void app.whenReady().then(() => {
    if (process.platform === 'win32') app.setAppUserModelId('dev.tributary.app');
    const userData = app.getPath('userData');
    const configFile = join(userData, 'config.json');
    // `npm start -- --data-dir DIR` chooses another data directory, as it does for `tributary serve`.
    const dataDirFlag = process.argv.indexOf('--data-dir');
    const dataDir = dataDirFlag > 0 && process.argv[dataDirFlag + 1] ? resolve(process.argv[dataDirFlag + 1]!) : join(userData, 'data');
    const args = ['--data-dir', dataDir, ...(existsSync(configFile) ? ['--config', configFile] : [])];

    installCsp(session.defaultSession, () => origin);
    installPermissionHandlers(session.defaultSession, () => origin);
    registerIpc(ipcMain, {
      origin: () => origin,
      info: () => ({ version: app.getVersion(), electron: process.versions.electron ?? '', platform: process.platform }),
      openExternal: (url) => shell.openExternal(url),
    });

    win = createMainWindow({ preload: paths.preload, icon: paths.windowIcon, devTools: !app.isPackaged, origin: () => origin, openExternal });
    win.on('close', (e) => {
      // The core keeps collecting while the window is closed; the tray's Quit ends both.
      if (!quitting) {
        e.preventDefault();
        win?.hide();
      }
    });

    const poller = new StatusPoller({ onStatus: (s) => tray.setLive(s), onAlert: notify });
    const tray = new StatusTray(paths.trayIcon, {
      open: showWindow,
      openInBrowser: () => {
        const s = supervisor.current();
        if (s.kind === 'running') void shell.openExternal(s.ready.uiUrl);
      },
      retry: () => supervisor.retry(),
      quit: () => app.quit(),
    });

    let failedDialogOpen = false;
    const supervisor = new CoreSupervisor({
      // The core's glibc malloc settings must be in its environment from its start (src/common/malloc-env.ts).
      fork: () => utilityProcess.fork(paths.coreEntry, args, { serviceName: 'Tributary core', stdio: 'pipe', env: withCoreMallocEnv(process.env) }),
      onLog: (line) => process.stderr.write(`${line}\n`),
      // Alerts of the core's rules (src/alerts): firing, repeated at the rule's interval, resolved.
      onAlert: (a) => notify({ title: a.title, body: a.body }),
      onState: (state: CoreState) => {
        tray.setState(state);
        if (state.kind === 'running') {
          origin = state.ready.origin;
          poller.setTarget(state.ready);
          void win?.loadURL(state.ready.uiUrl);
          return;
        }
        origin = null;
        poller.setTarget(null);
        if (state.kind === 'stopped') return;
        void win?.loadURL(statusPageUrl(state));
        if (state.kind !== 'starting') process.stderr.write(`tributary: core ${state.kind}: ${state.reason}\n`);
        if (state.kind === 'failed' && !failedDialogOpen && !quitting) {
          failedDialogOpen = true;
          const options = { type: 'error' as const, title: 'Tributary could not start', message: 'Tributary could not start', detail: state.reason, buttons: ['Retry', 'Quit'], defaultId: 0, cancelId: 1 };
          void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options)).then(({ response }) => {
            failedDialogOpen = false;
            if (response === 0) supervisor.retry();
            else app.quit();
          });
        }
      },
    });
    function notify(a: Alert): void {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title: a.title, body: a.body, icon: paths.windowIcon });
      n.on('click', showWindow);
      n.show();
    }

    // Quit waits for the core to flush its logs (it is killed after 10 s).
    app.on('before-quit', (e) => {
      if (quitting && supervisor.current().kind === 'stopped') return;
      e.preventDefault();
      if (quitting) return;
      quitting = true;
      poller.setTarget(null);
      void supervisor.stop().then(() => {
        tray.destroy();
        app.quit();
      });
    });
    // Ctrl-C in the terminal that ran `npm start` quits like the tray's Quit: the core flushes its logs first.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
    supervisor.start();
  });
  return { primary: true };
}

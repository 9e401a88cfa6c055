// main/desktop.ts wired to a fake `electron` (test/main/electron-fake.ts): one instance, the window's options and
// what it loads, the core forked as a utility process with the user-data folder, a crash shown in the window and the
// tray, giving up shown in a dialog with Retry, quitting only after the core stopped, and every webContents guarded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, FakeNotification, FakeTray, FakeUtilityProcess, FakeWebContents, fakeElectron } from './electron-fake.js';

const PATHS = { preload: '/app/dist/main/preload.cjs', coreEntry: '/app/dist/src/app/desktop-core-main.js', windowIcon: '/app/assets/icons/512x512.png', trayIcon: '/app/assets/icons/32x32.png' };
const READY = { type: 'ready', uiUrl: 'http://127.0.0.1:41234/?token=t0k', origin: 'http://127.0.0.1:41234', token: 't0k', kafka: '127.0.0.1:9092', dataDir: '/d' };
const tick = () => new Promise((r) => setTimeout(r, 0));

async function launch(opts: { lock?: boolean } = {}) {
  const userData = mkdtempSync(join(tmpdir(), 'tributary-user-data-'));
  const electron = fakeElectron({ lock: opts.lock, userData });
  vi.resetModules();
  vi.doMock('electron', () => electron);
  const { startDesktop } = await import('../../main/desktop.js');
  const handle = startDesktop(PATHS);
  electron.app.becomeReady();
  await tick();
  const fork = () => FakeUtilityProcess.forks[FakeUtilityProcess.forks.length - 1]!;
  const win = () => FakeBrowserWindow.all[0]!;
  const decodedLast = () => decodeURIComponent(win().loaded[win().loaded.length - 1]!);
  return { electron, handle, userData, fork, win, decodedLast, tray: () => FakeTray.all[0]! };
}

afterEach(() => {
  vi.useRealTimers();
  vi.doUnmock('electron');
});

describe('the desktop shell (mocked electron)', () => {
  it('quits when another instance holds the lock, without a window or a core', async () => {
    const { electron, handle } = await launch({ lock: false });
    expect(handle.primary).toBe(false);
    expect(electron.app.quitCalls).toBe(1);
    expect(FakeBrowserWindow.all).toHaveLength(0);
    expect(FakeUtilityProcess.forks).toHaveLength(0);
  });

  it('brings the existing window forward when a second instance starts', async () => {
    const { electron, win } = await launch();
    win().minimized = true;
    win().hide();
    electron.app.emit('second-instance', {}, ['tributary'], '/');
    expect(win()).toMatchObject({ restored: 1, visible: true, focused: 1 });
  });

  it('opens one sandboxed window with the preload, installs CSP and permission handlers and the IPC', async () => {
    const { electron, win } = await launch();
    expect(FakeBrowserWindow.all).toHaveLength(1);
    expect(win().options.webPreferences).toMatchObject({ preload: PATHS.preload, sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false });
    expect(win().options.show).toBe(false); // shown on ready-to-show, so no white flash
    expect(electron.session.defaultSession.headersListener).toBeTypeOf('function');
    expect(electron.session.defaultSession.permissionRequest).toBeTypeOf('function');
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(['tributary:info', 'tributary:open-external']);
    expect(FakeTray.all).toHaveLength(1);
  });

  it('runs the core in a utility process with its data in the user-data folder, and loads the UI from its server', async () => {
    const { userData, fork, win, tray, decodedLast } = await launch();
    expect(fork()).toMatchObject({ path: PATHS.coreEntry, args: ['--data-dir', join(userData, 'data')], options: { stdio: 'pipe' } });
    expect(decodedLast()).toMatch(/^data:text\/html.*Starting Tributary/s);
    fork().child.emit('message', READY);
    expect(win().loaded.at(-1)).toBe(READY.uiUrl);
    expect(tray().tooltip).toBe('Tributary — Listening on 127.0.0.1:9092');
  });

  it('shows why the core stopped in the window and the tray, then loads the restarted core', async () => {
    const { fork, win, tray, decodedLast } = await launch();
    fork().child.emit('message', READY);
    fork().child.emit('message', { type: 'fatal', message: 'uncaught error in the core: <disk> & "quota"' });
    fork().child.emit('exit', 70);
    expect(decodedLast()).toContain('uncaught error in the core: &lt;disk&gt; &amp; &quot;quota&quot; (exit code 70). Restarting in 1 s');
    expect(decodedLast()).not.toContain('<disk>');
    expect(tray().tooltip).toMatch(/restarting in 1 s: uncaught error in the core/);
    await new Promise((r) => setTimeout(r, 1100));
    expect(FakeUtilityProcess.forks).toHaveLength(2);
    fork().child.emit('message', { ...READY, uiUrl: 'http://127.0.0.1:41999/?token=t0k', origin: 'http://127.0.0.1:41999' });
    expect(win().loaded.at(-1)).toBe('http://127.0.0.1:41999/?token=t0k');
  });

  it('asks in a dialog whether to retry when the core cannot start, with the reason', async () => {
    const { electron, fork } = await launch();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      electron.dialog.response = 0; // Retry
      for (let i = 0; i < 5; i++) {
        fork().child.emit('message', { type: 'fatal', message: 'cannot listen for Kafka clients on 0.0.0.0:9092: EADDRINUSE' });
        fork().child.emit('exit', 1);
        await vi.advanceTimersByTimeAsync(60_000);
      }
      expect(electron.dialog.shown).toHaveLength(1);
      expect(electron.dialog.shown[0]).toMatchObject({ buttons: ['Retry', 'Quit'], detail: 'cannot listen for Kafka clients on 0.0.0.0:9092: EADDRINUSE (exit code 1)' });
      expect(FakeUtilityProcess.forks).toHaveLength(6); // Retry started a sixth
    } finally {
      vi.useRealTimers();
    }
  });

  it('quits only after the core stopped cleanly', async () => {
    const { electron, fork, tray } = await launch();
    fork().child.emit('message', READY);
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    electron.app.emit('before-quit', event);
    expect(event.defaultPrevented).toBe(true);
    expect(fork().child.posted).toEqual([{ type: 'stop' }]);
    expect(electron.app.quitCalls).toBe(0);
    fork().child.emit('exit', 0);
    await tick();
    expect(electron.app.quitCalls).toBe(1);
    expect(tray().destroyed).toBe(true);
  });

  it('hides the window on close instead of stopping the core', async () => {
    const { win } = await launch();
    win().show();
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    win().emit('close', event);
    expect(event.defaultPrevented).toBe(true);
    expect(win().visible).toBe(false);
  });

  it('guards every webContents the app creates, not only the window', async () => {
    const { electron, fork } = await launch();
    fork().child.emit('message', READY);
    const contents = new FakeWebContents();
    electron.app.emit('web-contents-created', {}, contents);
    const nav = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    contents.emit('will-navigate', nav, 'file:///etc/passwd');
    expect(nav.defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(electron.shell.opened).toEqual(['https://example.com/']);
  });

  it("shows the core's alert messages as native notifications (a click shows the window) and ignores malformed ones", async () => {
    const { fork, win } = await launch();
    fork().child.emit('message', READY);
    const before = FakeNotification.shown.length;
    fork().child.emit('message', { type: 'alert', notice: 'firing', rule: 'errors', title: 'Firing: Errors per host on host web1', body: '14 records matching "level:error" in 1m (alert when > 10)' });
    fork().child.emit('message', { type: 'alert', notice: 'firing', rule: 'errors', title: 42, body: 'not a title' });
    fork().child.emit('message', { type: 'alert', notice: 'exploded', rule: 'errors', title: 't', body: 'b' });
    fork().child.emit('message', { type: 'alert', notice: 'resolved', rule: 'errors', title: 'x'.repeat(5000), body: 'back to normal' });
    const shown = FakeNotification.shown.slice(before);
    expect(shown.map((n) => n.options.title.length <= 200 && n.options.body)).toEqual(['14 records matching "level:error" in 1m (alert when > 10)', 'back to normal']);
    expect(shown[0]!.options.title).toBe('Firing: Errors per host on host web1');
    win().hide();
    shown[0]!.emit('click');
    expect(win().visible).toBe(true);
  });
});

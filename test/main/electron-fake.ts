// A stand-in for the `electron` module in main-process tests (`vi.mock('electron', …)`): the Electron binary is not
// available on our machines, and unit tests must not launch it anyway. Each fake records what the shell did with it
// (options passed, handlers registered, URLs loaded) so tests can assert on that and drive the handlers.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  readonly mainFrame = { url: '' };
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = h;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  minimized = false;
  visible = false;
  focused = 0;
  restored = 0;
  constructor(readonly options: Record<string, any>) {
    super();
    FakeBrowserWindow.all.push(this);
  }
  loadURL(url: string) {
    this.loaded.push(url);
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.restored++;
    this.minimized = false;
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused++;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  static forks: { path: string; args: string[]; options: Record<string, any>; child: FakeUtilityProcess }[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  killed = 0;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  kill() {
    this.killed++;
    return true;
  }
}

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = [];
  tooltip = '';
  menu: any = null;
  destroyed = false;
  constructor(readonly icon: unknown) {
    super();
    FakeTray.all.push(this);
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: unknown) {
    this.menu = m;
  }
  destroy() {
    this.destroyed = true;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  static isSupported() {
    return true;
  }
  show() {
    FakeNotification.shown.push(this);
  }
}

export function fakeSession() {
  const s = new EventEmitter() as EventEmitter & Record<string, any>;
  s.headersListener = null;
  s.permissionRequest = null;
  s.permissionCheck = null;
  s.devicePermission = null;
  s.webRequest = { onHeadersReceived: (fn: unknown) => (s.headersListener = fn) };
  s.setPermissionRequestHandler = (fn: unknown) => (s.permissionRequest = fn);
  s.setPermissionCheckHandler = (fn: unknown) => (s.permissionCheck = fn);
  s.setDevicePermissionHandler = (fn: unknown) => (s.devicePermission = fn);
  return s;
}

export function fakeElectron(opts: { lock?: boolean; userData?: string } = {}) {
  FakeBrowserWindow.all = [];
  FakeUtilityProcess.forks = [];
  FakeTray.all = [];
  FakeNotification.shown = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    quitCalls: 0,
    requestSingleInstanceLock: () => opts.lock ?? true,
    quit() {
      app.quitCalls++;
      app.emit('before-quit', { defaultPrevented: false, preventDefault() {} });
    },
    whenReady: () => ready,
    getPath: (name: string) => (name === 'userData' ? (opts.userData ?? '/nonexistent/user-data') : `/nonexistent/${name}`),
    getVersion: () => '0.1.0',
    setAppUserModelId() {},
    /** Tests call this to let `whenReady` resolve. */
    becomeReady: () => resolveReady(),
  });
  const handlers = new Map<string, (...a: any[]) => unknown>();
  const ipcMain = { handle: (ch: string, fn: (...a: any[]) => unknown) => handlers.set(ch, fn), handlers };
  const shell = { opened: [] as string[], openExternal: async (u: string) => void shell.opened.push(u) };
  const dialog = {
    shown: [] as any[],
    response: 1,
    showMessageBox: async (...a: any[]) => {
      dialog.shown.push(a[a.length - 1]);
      return { response: dialog.response };
    },
  };
  const defaultSession = fakeSession();
  return {
    app,
    ipcMain,
    shell,
    dialog,
    session: { defaultSession },
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (t: unknown) => ({ template: t }) },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    utilityProcess: {
      fork(path: string, args: string[], options: Record<string, any>) {
        const child = new FakeUtilityProcess();
        FakeUtilityProcess.forks.push({ path, args, options, child });
        return child;
      },
    },
  };
}

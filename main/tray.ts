/** The tray icon: what the core is doing (listening, records/s, or why it stopped) and the way to open or quit the app. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { CoreState } from './core-supervisor.js';
import type { LiveStatus } from './status-poller.js';

const rate = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** One line, for the tooltip and the menu's first (disabled) item. */
export function trayStatus(state: CoreState, live: LiveStatus | null): string {
  switch (state.kind) {
    case 'starting':
      return 'Starting…';
    case 'running': {
      const speed = live ? ` · ${rate.format(live.recordsPerSec)} records/s · ${live.clients} client${live.clients === 1 ? '' : 's'}` : '';
      return `Listening on ${state.ready.kafka}${speed}`;
    }
    case 'restarting':
      return `Core stopped, restarting in ${Math.max(1, Math.round(state.inMs / 1000))} s: ${state.reason}`;
    case 'failed':
      return `Core stopped: ${state.reason}`;
    case 'stopped':
      return 'Stopped';
  }
}

export interface TrayActions {
  open: () => void;
  openInBrowser: () => void;
  retry: () => void;
  quit: () => void;
}

export function trayMenu(state: CoreState, live: LiveStatus | null, actions: TrayActions): MenuItemConstructorOptions[] {
  const status = trayStatus(state, live);
  return [
    { label: status.length > 100 ? `${status.slice(0, 99)}…` : status, enabled: false },
    { type: 'separator' },
    { label: 'Open Tributary', click: actions.open },
    { label: 'Open in browser', enabled: state.kind === 'running', click: actions.openInBrowser },
    ...(state.kind === 'failed' ? [{ label: 'Retry', click: actions.retry }] : []),
    { type: 'separator' },
    { label: 'Quit Tributary', click: actions.quit },
  ];
}

export class StatusTray {
  private readonly tray: Tray;
  private state: CoreState = { kind: 'starting' };
  private live: LiveStatus | null = null;
  private lastShown = '';

  constructor(iconPath: string, private readonly actions: TrayActions) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.on('click', actions.open);
    this.render();
  }

  setState(state: CoreState): void {
    this.state = state;
    if (state.kind !== 'running') this.live = null;
    this.render();
  }

  setLive(live: LiveStatus): void {
    this.live = live;
    this.render();
  }

  private render(): void {
    const status = trayStatus(this.state, this.live);
    if (status === this.lastShown) return; // rebuilding an open menu every 2 s would close it on some desktops
    this.lastShown = status;
    this.tray.setToolTip(`Tributary — ${status}`);
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenu(this.state, this.live, this.actions)));
  }

  destroy(): void {
    this.tray.destroy();
  }
}

// main/tray.ts: the status line and menu for each state of the core.
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ Menu: {}, Tray: class {}, nativeImage: {} }));
const { trayMenu, trayStatus } = await import('../../main/tray.js');

const READY = { type: 'ready' as const, uiUrl: 'http://127.0.0.1:1/?token=t', origin: 'http://127.0.0.1:1', token: 't', kafka: '0.0.0.0:9092', dataDir: '/d' };
const actions = { open: () => {}, openInBrowser: () => {}, retry: () => {}, quit: () => {} };

describe('tray', () => {
  it('says what the core is doing, with the live rate once known', () => {
    expect(trayStatus({ kind: 'starting' }, null)).toBe('Starting…');
    expect(trayStatus({ kind: 'running', ready: READY }, null)).toBe('Listening on 0.0.0.0:9092');
    expect(trayStatus({ kind: 'running', ready: READY }, { recordsPerSec: 12345.67, bytesPerSec: 1, clients: 1 })).toBe('Listening on 0.0.0.0:9092 · 12,345.7 records/s · 1 client');
    expect(trayStatus({ kind: 'restarting', reason: 'boom (exit code 1)', inMs: 2000 }, null)).toBe('Core stopped, restarting in 2 s: boom (exit code 1)');
    expect(trayStatus({ kind: 'failed', reason: 'port in use (exit code 1)' }, null)).toBe('Core stopped: port in use (exit code 1)');
  });

  it('offers Retry only after a failed start, and the browser only while running', () => {
    const labels = (m: ReturnType<typeof trayMenu>) => m.filter((i) => i.label && i.enabled !== false).map((i) => i.label);
    expect(labels(trayMenu({ kind: 'running', ready: READY }, null, actions))).toEqual(['Open Tributary', 'Open in browser', 'Quit Tributary']);
    expect(labels(trayMenu({ kind: 'failed', reason: 'x' }, null, actions))).toEqual(['Open Tributary', 'Retry', 'Quit Tributary']);
    const long = trayMenu({ kind: 'failed', reason: 'x'.repeat(300) }, null, actions)[0]!;
    expect(long.label!.length).toBe(100);
    expect(long.enabled).toBe(false);
  });
});

// main/ipc.ts and main/preload.cts: the page's only way to the shell. Every message is checked to come from the top
// frame of a page of the local server; the preload exposes exactly two functions on the channels main handles.
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { IPC, registerIpc, trustedSender } from '../../main/ipc.js';

const ORIGIN = 'http://127.0.0.1:41234';

function setup(origin: string | null = ORIGIN) {
  const handlers = new Map<string, (...a: unknown[]) => unknown>();
  const openExternal = vi.fn(async () => {});
  registerIpc({ handle: (ch: string, fn: (...a: unknown[]) => unknown) => handlers.set(ch, fn) } as never, {
    origin: () => origin,
    info: () => ({ version: '0.1.0', electron: '45.4.1', platform: 'linux' }),
    openExternal,
  });
  return { handlers, openExternal };
}

/** An IPC event as Electron builds it: the sending frame and the webContents whose main frame it may be. */
function eventFrom(url: string, opts: { subframe?: boolean; noFrame?: boolean } = {}) {
  const mainFrame = { url };
  const senderFrame = opts.noFrame ? null : opts.subframe ? { url } : mainFrame;
  return { senderFrame, sender: { mainFrame } };
}

describe('IPC sender validation', () => {
  it('answers the main frame of a local page', async () => {
    const { handlers } = setup();
    expect(await handlers.get(IPC.info)!(eventFrom(`${ORIGIN}/overview`))).toEqual({ version: '0.1.0', electron: '45.4.1', platform: 'linux' });
  });

  it.each([
    ['another origin', eventFrom('https://evil.example/')],
    ['another port on loopback', eventFrom('http://127.0.0.1:41235/')],
    ['a subframe of a local page', eventFrom(`${ORIGIN}/`, { subframe: true })],
    ['a frame that is gone', eventFrom(`${ORIGIN}/`, { noFrame: true })],
    ['a data: page', eventFrom('data:text/html,hi')],
  ])('refuses every channel from %s', async (_what, event) => {
    const { handlers, openExternal } = setup();
    expect(() => handlers.get(IPC.info)!(event)).toThrow(/refused: the sender is not a page of this app/);
    expect(() => handlers.get(IPC.openExternal)!(event, 'https://example.com/')).toThrow(/refused/);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('refuses everyone while the core is down', () => {
    expect(trustedSender(eventFrom(`${ORIGIN}/`) as never, null)).toBe(false);
    const { handlers } = setup(null);
    expect(() => handlers.get(IPC.info)!(eventFrom(`${ORIGIN}/`))).toThrow(/refused/);
  });
});

describe('openExternal over IPC', () => {
  it('opens validated http(s) links in the browser', async () => {
    const { handlers, openExternal } = setup();
    await handlers.get(IPC.openExternal)!(eventFrom(`${ORIGIN}/`), 'https://kafka.apache.org/');
    expect(openExternal).toHaveBeenCalledWith('https://kafka.apache.org/');
  });

  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 42, null, `${ORIGIN}/?token=x`])('rejects %s', async (url) => {
    const { handlers, openExternal } = setup();
    await expect(handlers.get(IPC.openExternal)!(eventFrom(`${ORIGIN}/`), url)).rejects.toThrow(/openExternal refused/);
    expect(openExternal).not.toHaveBeenCalled();
  });
});

describe('the preload', () => {
  // Run the preload the way Electron runs a sandboxed one: CommonJS in a fresh context whose `require` offers only a
  // few modules. It is compiled here from main/preload.cts with the project's TypeScript, so it tests this source.
  function loadPreload() {
    const source = readFileSync(new URL('../../main/preload.cts', import.meta.url), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const exposed: Record<string, any> = {};
    const invoked: unknown[][] = [];
    const required: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (exposed[name] = api) },
      ipcRenderer: { invoke: (...a: unknown[]) => (invoked.push(a), Promise.resolve('ok')), send: () => { throw new Error('preload must not send'); } },
    };
    const module = { exports: {} };
    runInNewContext(`(function (require, module, exports) {${js}\n})`, {})(
      (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
      module,
      module.exports,
    );
    return { exposed, invoked, required };
  }

  it('exposes exactly info() and openExternal() as window.tributaryDesktop, and requires only electron', () => {
    const { exposed, required } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['tributaryDesktop']);
    expect(Object.keys(exposed.tributaryDesktop).sort()).toEqual(['info', 'openExternal']);
    expect(required).toEqual(['electron']);
  });

  it('invokes the channels main handles, passing the link as a string', async () => {
    const { exposed, invoked } = loadPreload();
    await exposed.tributaryDesktop.info();
    await exposed.tributaryDesktop.openExternal({ toString: () => 'https://example.com/' });
    expect(invoked).toEqual([[IPC.info], [IPC.openExternal, 'https://example.com/']]);
    expect(setup().handlers.has(IPC.info) && setup().handlers.has(IPC.openExternal)).toBe(true);
  });
});

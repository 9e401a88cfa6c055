// electron-builder.yml, checked without packaging (which downloads Electron per target): only keys electron-builder
// documents (https://www.electron.build/configuration, FuseOptionsV1), the targets and fuses we promise, the files the
// app needs at run time matched by `files`, and real icons: every referenced file exists and the ICO and ICNS
// containers hold well-formed images of the sizes they claim.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>;

// From electron-builder's Configuration, PlatformSpecificBuildOptions, LinuxConfiguration, MacConfiguration,
// WindowsConfiguration and NsisOptions: the keys this file may use. A typo would otherwise be ignored silently.
const KNOWN = {
  top: ['appId', 'productName', 'copyright', 'directories', 'files', 'asar', 'asarUnpack', 'electronFuses', 'linux', 'mac', 'win', 'nsis', 'dmg', 'deb', 'appImage', 'extraResources', 'extraFiles', 'artifactName', 'compression', 'extraMetadata', 'publish', 'protocols', 'fileAssociations', 'electronVersion'],
  directories: ['output', 'buildResources', 'app'],
  linux: ['target', 'icon', 'category', 'synopsis', 'description', 'maintainer', 'vendor', 'executableName', 'desktop', 'mimeTypes', 'artifactName'],
  mac: ['target', 'icon', 'category', 'hardenedRuntime', 'entitlements', 'entitlementsInherit', 'identity', 'artifactName', 'darkModeSupport'],
  win: ['target', 'icon', 'artifactName', 'signtoolOptions', 'azureSignOptions', 'requestedExecutionLevel'],
  nsis: ['oneClick', 'perMachine', 'allowToChangeInstallationDirectory', 'installerIcon', 'uninstallerIcon', 'createDesktopShortcut', 'createStartMenuShortcut', 'shortcutName', 'artifactName', 'deleteAppDataOnUninstall'],
  electronFuses: ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges'],
};

describe('electron-builder.yml', () => {
  it('uses only documented keys', () => {
    expect(Object.keys(config).filter((k) => !KNOWN.top.includes(k))).toEqual([]);
    for (const section of ['directories', 'linux', 'mac', 'win', 'nsis', 'electronFuses'] as const) {
      expect(Object.keys(config[section] ?? {}).filter((k) => !KNOWN[section].includes(k)), section).toEqual([]);
    }
  });

  it('names the app and targets AppImage and deb, dmg, and nsis', () => {
    expect(config.appId).toBe('dev.tributary.app');
    expect(config.productName).toBe('Tributary');
    expect(pkg.productName).toBe(config.productName); // `npm start` and the package use the same user-data folder
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('flips the fuses that keep the packaged app from being used as a Node runtime or loading other code', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true); // onlyLoadAppFromAsar and the integrity check need an asar
  });

  it('packs what the app loads at run time, and no source maps', () => {
    const include = (config.files as string[]).filter((p) => !p.startsWith('!'));
    const exclude = (config.files as string[]).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const packed = (file: string) => picomatch(include)(file) && !picomatch(exclude)(file);
    for (const f of [pkg.main, 'dist/main/preload.cjs', 'dist/src/app/desktop-core-main.js', 'dist/src/cli/main.js', 'renderer/dist/index.html', 'renderer/dist/assets/app.js', 'assets/icons/32x32.png', 'assets/icons/512x512.png', 'package.json']) {
      expect(packed(f), f).toBe(true);
    }
    expect(packed('dist/main/index.js.map')).toBe(false);
    expect(packed('src/app/app.ts')).toBe(false);
    expect(packed('test/main/desktop.test.ts')).toBe(false);
    expect(config.asarUnpack).toContain('node_modules/@node-rs/**'); // the native CRC32C module
  });

  it('refers only to files that exist', () => {
    for (const f of [config.mac.icon, config.win.icon, config.linux.icon, config.directories.buildResources]) expect(existsSync(join(root, f)), f).toBe(true);
    for (const n of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) expect(pngSize(readFileSync(join(root, config.linux.icon, `${n}x${n}.png`)))).toEqual([n, n]);
    expect(pngSize(readFileSync(join(root, 'assets', 'icon.png')))).toEqual([1024, 1024]);
  });

  it('has a Windows icon with BMP and PNG images of the sizes its directory names', () => {
    const ico = readFileSync(join(root, config.win.icon));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const sizes: number[] = [];
    for (let i = 0; i < ico.readUInt16LE(4); i++) {
      const e = 6 + i * 16;
      const n = ico[e] || 256;
      const data = ico.subarray(ico.readUInt32LE(e + 12), ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8));
      if (data.subarray(0, 4).toString('latin1') === '\x89PNG') expect(pngSize(data)).toEqual([n, n]);
      else {
        expect(data.readUInt32LE(0)).toBe(40); // BITMAPINFOHEADER
        expect([data.readInt32LE(4), data.readInt32LE(8), data.readUInt16LE(14)]).toEqual([n, 2 * n, 32]);
        expect(data.length).toBe(40 + n * n * 4 + Math.ceil(n / 32) * 4 * n);
      }
      sizes.push(n);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS icon whose entries are PNGs of the sizes their types mean', () => {
    const icns = readFileSync(join(root, config.mac.icon));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const expected: Record<string, number> = { icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 };
    const seen: string[] = [];
    for (let at = 8; at < icns.length; ) {
      const type = icns.subarray(at, at + 4).toString('latin1');
      const len = icns.readUInt32BE(at + 4);
      expect(pngSize(icns.subarray(at + 8, at + len)), type).toEqual([expected[type], expected[type]]);
      seen.push(type);
      at += len;
    }
    expect(seen.sort()).toEqual(Object.keys(expected).sort());
  });
});

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngSize(b: Buffer): [number, number] {
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

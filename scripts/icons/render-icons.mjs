#!/usr/bin/env node
// Renders assets/icon.svg into what electron-builder and the shell use, with the Chromium already on the machine
// (headless, no download): assets/icons/NxN.png (16…1024, Linux and the window/tray icon), assets/icon.png (1024),
// assets/icon.ico (Windows: BMP entries up to 128 px, PNG at 256, as NSIS expects) and assets/icon.icns (macOS: PNG
// entries). Each size is rasterised from the vector, not scaled down from a big bitmap, so small sizes stay crisp.
//   node scripts/icons/render-icons.mjs [--chromium /usr/bin/chromium]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const assets = fileURLToPath(new URL('../../assets/', import.meta.url));
const chromium = process.argv.includes('--chromium') ? process.argv[process.argv.indexOf('--chromium') + 1] : '/usr/bin/chromium';
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const RAW_SIZES = [16, 24, 32, 48, 64, 128]; // the ICO's BMP entries need pixels, not PNG

const svg = readFileSync(join(assets, 'icon.svg'), 'utf8');
const page = `<!doctype html><meta charset="utf-8"><pre id="out"></pre><script>
const img = new Image();
img.onload = () => {
  const out = {};
  for (const n of ${JSON.stringify(SIZES)}) {
    const c = document.createElement('canvas');
    c.width = c.height = n;
    const g = c.getContext('2d');
    g.imageSmoothingQuality = 'high';
    g.drawImage(img, 0, 0, n, n);
    const raw = ${JSON.stringify(RAW_SIZES)}.includes(n) ? btoa(String.fromCharCode(...g.getImageData(0, 0, n, n).data)) : null;
    out[n] = { png: c.toDataURL('image/png').split(',')[1], raw };
  }
  document.getElementById('out').textContent = 'ICONS' + JSON.stringify(out) + 'END';
};
img.onerror = () => (document.getElementById('out').textContent = 'ICONS{"error":"the SVG did not load"}END');
img.src = 'data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}';
</script>`;
const dir = mkdtempSync(join(tmpdir(), 'tributary-icons-'));
writeFileSync(join(dir, 'render.html'), page);
const dom = execFileSync(
  chromium,
  ['--headless', '--no-sandbox', '--disable-gpu', '--allow-file-access-from-files', '--virtual-time-budget=20000', '--dump-dom', `file://${join(dir, 'render.html')}`],
  { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
).toString();
const m = /ICONS(\{.*?\})END/s.exec(dom); // the first match is the <pre>; the script's own text follows it
if (!m) throw new Error('Chromium did not render the icons (no result in the page)');
const rendered = JSON.parse(m[1]);
if (rendered.error) throw new Error(rendered.error);

mkdirSync(join(assets, 'icons'), { recursive: true });
const png = (n) => Buffer.from(rendered[n].png, 'base64');
for (const n of SIZES) writeFileSync(join(assets, 'icons', `${n}x${n}.png`), png(n));
writeFileSync(join(assets, 'icon.png'), png(1024));

/** A 32-bit BMP (DIB) icon image: BGRA rows bottom-up, then an all-zero AND mask (the alpha channel decides). */
function dib(n) {
  const rgba = Buffer.from(rendered[n].raw, 'base64');
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(n, 4);
  header.writeInt32LE(n * 2, 8); // XOR bitmap and AND mask stacked
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(n * n * 4);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const s = (y * n + x) * 4;
      const d = ((n - 1 - y) * n + x) * 4;
      pixels[d] = rgba[s + 2];
      pixels[d + 1] = rgba[s + 1];
      pixels[d + 2] = rgba[s];
      pixels[d + 3] = rgba[s + 3];
    }
  }
  const mask = Buffer.alloc(Math.ceil(n / 32) * 4 * n);
  return Buffer.concat([header, pixels, mask]);
}

const icoImages = [...RAW_SIZES.map((n) => [n, dib(n)]), [256, png(256)]];
const dirBytes = Buffer.alloc(6 + 16 * icoImages.length);
dirBytes.writeUInt16LE(1, 2);
dirBytes.writeUInt16LE(icoImages.length, 4);
let offset = dirBytes.length;
icoImages.forEach(([n, data], i) => {
  const e = 6 + i * 16;
  dirBytes[e] = n >= 256 ? 0 : n;
  dirBytes[e + 1] = n >= 256 ? 0 : n;
  dirBytes.writeUInt16LE(1, e + 4);
  dirBytes.writeUInt16LE(32, e + 6);
  dirBytes.writeUInt32LE(data.length, e + 8);
  dirBytes.writeUInt32LE(offset, e + 12);
  offset += data.length;
});
writeFileSync(join(assets, 'icon.ico'), Buffer.concat([dirBytes, ...icoImages.map(([, d]) => d)]));

// ICNS: 'icns', total length, then (type, length incl. 8-byte header, PNG) for each size macOS looks up.
const ICNS_TYPES = [['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024], ['ic11', 32], ['ic12', 64], ['ic13', 256], ['ic14', 512]];
const chunks = ICNS_TYPES.map(([type, n]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(8 + png(n).length, 4);
  return Buffer.concat([head, png(n)]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + chunks.reduce((s, c) => s + c.length, 0), 4);
writeFileSync(join(assets, 'icon.icns'), Buffer.concat([icnsHead, ...chunks]));
console.log(`wrote ${SIZES.length} PNGs in assets/icons/, assets/icon.png, assets/icon.ico (${icoImages.length} sizes), assets/icon.icns (${chunks.length} entries)`);

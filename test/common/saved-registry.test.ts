// The saved-entries file that flows and connections share, against real files: entries survive a new instance, a
// config-file name shadows a saved one (with a warning) and is read-only, an unreadable file is moved aside to .bad
// and logged rather than fatal, and one failed write does not block the next change.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReadOnlyEntryError, SavedRegistry } from '../../src/common/saved-registry.js';
import { recordingLogger } from '../server/helpers.js';

interface Entry {
  name: string;
  n: number;
}
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function registry(file: string, configured: string[] = []) {
  const log = recordingLogger();
  const r = new SavedRegistry<Entry>({
    kind: 'widget',
    file,
    configured,
    decode: (doc) => {
      if (!Array.isArray(doc)) throw new Error('not a list');
      return doc.map((e) => ({ name: String(e.name), n: Number(e.n) }));
    },
    encode: (saved) => saved,
    log,
  });
  return { r, log };
}

describe('SavedRegistry', () => {
  it('keeps entries across instances, replaces by name, and leaves config-file names read-only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-saved-'));
    dirs.push(dir);
    const file = join(dir, 'widgets.json');
    const a = registry(file).r;
    expect(a.entries()).toEqual([]);
    await a.put({ name: 'x', n: 1 });
    await a.put({ name: 'y', n: 2 });
    await a.put({ name: 'x', n: 3 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([{ name: 'y', n: 2 }, { name: 'x', n: 3 }]);

    const { r: b, log } = registry(file, ['y']);
    expect(b.entries()).toEqual([{ name: 'x', n: 3 }]);
    expect(log.lines).toEqual(["WARN widget y saved through the API is shadowed by the config file's widget of that name"]);
    expect(b.origin('y')).toBe('config');
    expect(b.origin('x')).toBe('api');
    expect(() => b.assertWritable('y', 'remove')).toThrow(new ReadOnlyEntryError('widget y is set in the config file; remove it there'));
    expect(() => b.assertWritable('x', 'remove')).not.toThrow();
    // The config file wins: the shadowed entry is not written back with the next change.
    await b.remove('x');
    expect(registry(file).r.entries()).toEqual([]);
  });

  it('moves an unreadable file aside to .bad and starts empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-saved-'));
    dirs.push(dir);
    const file = join(dir, 'widgets.json');
    writeFileSync(file, '{"not": "a list"}');
    const { r, log } = registry(file);
    expect(r.entries()).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe('{"not": "a list"}');
    expect(log.lines).toEqual([`ERROR ${file} could not be read (not a list); moved to ${file}.bad, no saved widgets loaded`]);
  });

  it('fails one change whose write fails, and writes the whole list with the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-saved-'));
    dirs.push(dir);
    const sub = join(dir, 'meta');
    const file = join(sub, 'widgets.json');
    const { r } = registry(file);
    // Its directory is missing: the write fails (as on a full disk), then the directory comes back.
    await expect(r.put({ name: 'x', n: 1 })).rejects.toThrow(/ENOENT/);
    mkdirSync(sub);
    await r.put({ name: 'y', n: 2 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([{ name: 'x', n: 1 }, { name: 'y', n: 2 }]);
  });
});

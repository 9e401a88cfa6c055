import fsp from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { toPosix } from './options.js';

/** Deepest directory walk for `**`, so a symlink loop or a huge tree cannot run away. */
const MAX_DEPTH = 16;

/** Where one glob's files can be: everything under `base`, at most `depth` directories down (undefined: any depth). */
export interface GlobRoot {
  pattern: string;
  /** Native absolute path of the directory the glob starts from (picomatch.scan's base). */
  base: string;
  depth: number | undefined;
}

/** The globs to tail and the globs to leave alone, matched against absolute paths. */
export class GlobSet {
  readonly roots: GlobRoot[];
  private readonly include: (p: string) => boolean;
  private readonly exclude: (p: string) => boolean;

  /** `patterns` and `exclude` are absolute posix-style globs (see toPattern). */
  constructor(patterns: string[], exclude: string[]) {
    this.include = picomatch(patterns);
    this.exclude = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
    this.roots = patterns.map((pattern) => {
      const scan = picomatch.scan(pattern);
      if (!scan.isGlob) return { pattern, base: path.dirname(path.resolve(scan.base)), depth: 0 };
      const deep = scan.glob.includes('**');
      return { pattern, base: path.resolve(scan.base || '/'), depth: deep ? undefined : scan.glob.split('/').length - 1 };
    });
  }

  /** Whether an absolute native path is a file to tail. */
  matches(file: string): boolean {
    const p = toPosix(file);
    return this.include(p) && !this.exclude(p);
  }

  /** Every existing regular file the globs match now (native absolute paths, symlinks followed). */
  async scan(): Promise<string[]> {
    const found = new Set<string>();
    for (const root of this.roots) await this.walk(root.base, root.depth ?? MAX_DEPTH, found);
    return [...found];
  }

  private async walk(dir: string, depth: number, found: Set<string>): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return; // not there (yet), or not readable: the watcher or the next rescan will see it appear
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const st = await fsp.stat(full).catch(() => null);
        isFile = st?.isFile() ?? false;
        isDir = false; // never follow directory links: they can loop
      }
      if (isFile && this.matches(full)) found.add(full);
      else if (isDir && depth > 0) await this.walk(full, depth - 1, found);
    }
  }
}

/** Whether `child` is `parent` or inside it. */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isWithin, type GlobSet } from './glob-set.js';
import type { TailLogger } from './options.js';

/**
 * Change notifications for the globs' directories (chokidar 5 has no glob support, so it watches directories and the
 * globs filter). A glob whose directory does not exist yet is watched from its deepest existing ancestor, so a log
 * directory created later is picked up. Events are only hints: the tailer stats the path and decides; its polling and
 * rescans cover anything missed here.
 */
export class GlobWatcher {
  private watchers: FSWatcher[] = [];

  constructor(
    private readonly globs: GlobSet,
    /** A path matching the globs was added, changed or removed. */
    private readonly onPath: (file: string) => void,
    /** A directory appeared that may hold matching files. */
    private readonly onDir: () => void,
    private readonly log: TailLogger,
  ) {}

  /** Resolves once the initial directory scan of every watcher is done. */
  async start(): Promise<void> {
    await Promise.all(this.globs.roots.map((root) => this.watchRoot(root.base, root.depth)));
  }

  async close(): Promise<void> {
    const ws = this.watchers.splice(0);
    await Promise.all(ws.map((w) => w.close().catch(() => {})));
  }

  private watchRoot(base: string, depth: number | undefined): Promise<void> {
    let dir = base;
    let extra = 0;
    while (!existsSync(dir) && path.dirname(dir) !== dir) {
      dir = path.dirname(dir);
      extra++;
    }
    const ignored = (p: string): boolean => !(isWithin(p, base) || isWithin(base, p));
    const w = watch(dir, {
      ignoreInitial: true,
      persistent: true,
      atomic: false,
      followSymlinks: true,
      depth: depth === undefined ? undefined : depth + extra,
      ignored,
    });
    this.watchers.push(w);
    w.on('add', (p) => this.file(p));
    w.on('change', (p) => this.file(p));
    w.on('unlink', (p) => this.file(p));
    w.on('addDir', () => this.onDir());
    w.on('error', (e) => this.log.warn(`file tailer: watching ${dir} failed (${(e as Error).message}); falling back to polling and rescans`));
    return new Promise((resolve) => w.once('ready', () => resolve()));
  }

  private file(p: string): void {
    const abs = path.resolve(p);
    if (this.globs.matches(abs)) this.onPath(abs);
  }
}

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';

/** Where the GUI's dashboards live, beside the API token in the data directory's metadata folder. */
export const DASHBOARDS_FILE = path.join('__meta', 'dashboards.json');
/** Saved dashboards at most: a bound on the file and on every list answer. */
export const MAX_DASHBOARDS = 500;

/** One chart of a dashboard: a metrics query or a log-derived series, its parameters as the query routes take them. */
export interface DashboardChart {
  title?: string;
  kind: 'metric' | 'logs';
  measurement?: string;
  field?: string;
  where?: string;
  agg?: string;
  by?: string;
  step?: string;
  topic?: string;
  q?: string;
}

export interface Dashboard {
  id: string;
  title: string;
  /** Time range the dashboard opens with (`1h`, epoch ms…), as the query routes take `from`/`to`. */
  from?: string;
  to?: string;
  charts: DashboardChart[];
  updatedAt: number;
}

export type DashboardInput = Omit<Dashboard, 'id' | 'updatedAt'>;

/**
 * The GUI's saved dashboards, so the Electron window and a browser on `tributary serve` share them. The whole set is
 * small (bounded by MAX_DASHBOARDS and the route's body schema), so it is held in memory and rewritten whole on each
 * change: temp file, fsync, rename, fsync of the directory, so a crash leaves the old set or the new, never half.
 * Writes are queued one after another so two saves never race on the temp file.
 */
export class DashboardStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly byId: Map<string, Dashboard>,
  ) {}

  /** Reads the file if there is one; a file that is not our JSON is kept aside (`.bad`) rather than lost. */
  static open(dataDir: string): DashboardStore {
    const file = path.join(dataDir, DASHBOARDS_FILE);
    const byId = new Map<string, Dashboard>();
    let text: string | null = null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== null) {
      try {
        const parsed = JSON.parse(text) as { dashboards?: Dashboard[] };
        for (const d of parsed.dashboards ?? []) if (d && typeof d.id === 'string' && Array.isArray(d.charts)) byId.set(d.id, d);
      } catch {
        fs.renameSync(file, `${file}.bad`);
      }
    }
    return new DashboardStore(file, byId);
  }

  list(): Dashboard[] {
    return [...this.byId.values()].sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  }

  get(id: string): Dashboard | undefined {
    return this.byId.get(id);
  }

  /** Creates or replaces one; false when the store is full and `id` is new. Resolves once the file is on disk. */
  async put(id: string, input: DashboardInput, now = Date.now()): Promise<Dashboard | null> {
    if (!this.byId.has(id) && this.byId.size >= MAX_DASHBOARDS) return null;
    const d: Dashboard = { id, title: input.title, ...(input.from ? { from: input.from } : {}), ...(input.to ? { to: input.to } : {}), charts: input.charts, updatedAt: now };
    const before = this.byId.get(id);
    this.byId.set(id, d);
    await this.save().catch((e: unknown) => {
      this.undo(id, before, d);
      throw e;
    });
    return d;
  }

  /** False when there was none. */
  async delete(id: string): Promise<boolean> {
    const before = this.byId.get(id);
    if (!before) return false;
    this.byId.delete(id);
    await this.save().catch((e: unknown) => {
      this.undo(id, before, undefined);
      throw e;
    });
    return true;
  }

  /** A change whose write failed is taken back, so what is listed stays what is on disk (unless changed since). */
  private undo(id: string, before: Dashboard | undefined, after: Dashboard | undefined): void {
    if (this.byId.get(id) !== after) return;
    if (before) this.byId.set(id, before);
    else this.byId.delete(id);
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify({ version: 1, dashboards: this.list() }, null, 1)}\n`;
    const next = this.writing.then(async () => {
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, text);
    });
    // A failed write fails its own request; the next one still runs.
    this.writing = next.catch(() => {});
    return next;
  }
}

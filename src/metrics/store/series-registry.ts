import fs from 'node:fs';
import { RE2JS } from 're2js';
import type { Logger } from '../../common/logger.js';
import type { SeriesInfo, TagMatcher } from '../types.js';

/**
 * Every series the store knows, with stable ids (assigned in order, persisted in an append-only file of JSON lines
 * `[id, measurement, field, {tags}]`, fsynced before a checkpoint that may refer to them), the index behind the
 * discovery calls, and the cardinality guard: at most maxSeries in total and maxSeriesPerMeasurement per measurement,
 * a warning once at 80 %, and new series beyond refused and counted.
 */

interface MeasurementIndex {
  series: number;
  /** Field → ids of its series. */
  fields: Map<string, number[]>;
  /** Tag key → value → series count. */
  tags: Map<string, Map<string, number>>;
}

const SEP = '\u0000';

/** One key per identity whatever the tag order; tags with an empty value are no tags (a missing tag reads as ""). */
export function identityOf(measurement: string, tags: Record<string, string>, field: string): string {
  let k = measurement;
  for (const t of Object.keys(tags).sort()) if (tags[t] !== '') k += `${SEP}${t}${SEP}${tags[t]}`;
  return `${k}${SEP}${SEP}${field}`;
}

function sortedTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const k of Object.keys(tags).sort()) if (tags[k] !== '') out[k] = tags[k]!;
  return out;
}

export class SeriesRegistry {
  readonly infos: SeriesInfo[] = [];
  private readonly identity = new Map<string, number>();
  private readonly measurementIndex = new Map<string, MeasurementIndex>();
  private readonly warned = new Set<string>();
  private ranks = new Int32Array(0);
  refused = 0;
  readonly refusedBy = new Map<string, number>();
  private pending = '';
  /** Bytes of whole lines in the file: a failed append is cut back to this. */
  private fileBytes = 0;
  private fd: number;

  private constructor(
    readonly file: string,
    private readonly maxSeries: number,
    private readonly maxPerMeasurement: number,
    private readonly logger: Logger,
  ) {
    this.fd = -1;
  }

  static open(file: string, maxSeries: number, maxPerMeasurement: number, logger: Logger): SeriesRegistry {
    const r = new SeriesRegistry(file, maxSeries, maxPerMeasurement, logger);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let good = 0;
    for (let at = 0; at < text.length; ) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) break; // a torn last line (kill -9 while appending): dropped below
      let row: unknown;
      try {
        row = JSON.parse(text.slice(at, nl));
      } catch {
        break;
      }
      const [id, measurement, field, tags] = row as [number, string, string, Record<string, string>];
      if (id !== r.infos.length || typeof measurement !== 'string' || typeof field !== 'string') break;
      r.add(measurement, Object.assign(Object.create(null), tags) as Record<string, string>, field);
      at = nl + 1;
      good = Buffer.byteLength(text.slice(0, at));
    }
    r.fd = fs.openSync(file, 'a+');
    if (good < fs.fstatSync(r.fd).size) {
      logger.warn(`${file}: ignoring a torn or malformed tail after ${r.infos.length} series (written at a crash); they are re-created from the log`);
      fs.ftruncateSync(r.fd, good);
    }
    r.fileBytes = good;
    return r;
  }

  get size(): number {
    return this.infos.length;
  }

  /** The tag set of the series created last (its identity without the field) and its sorted, frozen tags: shared by
   * the fields of one line (they arrive together), instead of one copy per series (a null-prototype object is a
   * dictionary of ~150 bytes). Compared by content, once per new series only. */
  private lastTagsKey = '';
  private lastTags: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

  private add(measurement: string, tags: Record<string, string>, field: string): number {
    const id = this.infos.length;
    const tagsKey = identityOf('', tags, '');
    if (tagsKey !== this.lastTagsKey || this.infos.length === 0) {
      this.lastTags = Object.freeze(sortedTags(tags));
      this.lastTagsKey = tagsKey;
    }
    const t = this.lastTags;
    this.infos.push(Object.freeze({ id, measurement, field, tags: t }));
    this.identity.set(identityOf(measurement, tags, field), id);
    let m = this.measurementIndex.get(measurement);
    if (!m) this.measurementIndex.set(measurement, (m = { series: 0, fields: new Map(), tags: new Map() }));
    m.series++;
    let ids = m.fields.get(field);
    if (!ids) m.fields.set(field, (ids = []));
    ids.push(id);
    for (const [k, v] of Object.entries(t)) {
      let values = m.tags.get(k);
      if (!values) m.tags.set(k, (values = new Map()));
      values.set(v, (values.get(v) ?? 0) + 1);
    }
    return id;
  }

  /** The id of a series, created when new and the caps allow it; -1 when a cap refuses it (counted). */
  resolve(measurement: string, tags: Record<string, string>, field: string): number {
    const key = identityOf(measurement, tags, field);
    const known = this.identity.get(key);
    if (known !== undefined) return known;
    const inMeasurement = this.measurementIndex.get(measurement)?.series ?? 0;
    if (this.infos.length >= this.maxSeries || inMeasurement >= this.maxPerMeasurement) {
      this.refused++;
      this.refusedBy.set(measurement, (this.refusedBy.get(measurement) ?? 0) + 1);
      return -1;
    }
    const id = this.add(measurement, tags, field);
    this.pending += `${JSON.stringify([id, measurement, field, this.infos[id]!.tags])}\n`;
    this.warnNearCap(measurement, inMeasurement + 1);
    return id;
  }

  private warnNearCap(measurement: string, inMeasurement: number): void {
    if (this.infos.length >= 0.8 * this.maxSeries && !this.warned.has('')) {
      this.warned.add('');
      this.logger.warn(`metrics: ${this.infos.length} series, 80 % of maxSeries ${this.maxSeries}; new series beyond the cap are refused (raise metrics.maxSeries or drop high-cardinality tags)`);
    }
    if (inMeasurement >= 0.8 * this.maxPerMeasurement && !this.warned.has(`m:${measurement}`)) {
      this.warned.add(`m:${measurement}`);
      this.logger.warn(
        `metrics: measurement ${measurement} has ${inMeasurement} series, 80 % of maxSeriesPerMeasurement ${this.maxPerMeasurement}; a tag with many values (ids, URLs) is the usual cause`,
      );
    }
  }

  /** Writes the series created since the last call (page cache; `sync` makes them durable). */
  flush(): void {
    if (!this.pending) return;
    const buf = Buffer.from(this.pending);
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    } catch (e) {
      // A full disk can take part of the lines: cut them off again, so no torn line ends up in the middle of the file
      // (ids are positions); the series stay pending and are written with the next try.
      try {
        fs.ftruncateSync(this.fd, this.fileBytes);
      } catch {
        // the file keeps a torn tail, which the next open drops
      }
      throw e;
    }
    this.fileBytes += buf.length;
    this.pending = '';
  }

  sync(): void {
    this.flush();
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Sorts series the way queries read them: by measurement, field, then tags. */
  /**
   * Each series' place in the parts' layout order (by layoutKey), to sort by without building keys: computed again
   * only when series were added since (a seal pass built a key string per series and hour, 15,000 of them).
   */
  layoutRanks(): Int32Array {
    if (this.ranks.length !== this.infos.length) {
      const keys = this.infos.map((_, id) => this.layoutKey(id));
      const ids = keys.map((_, id) => id).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
      const ranks = new Int32Array(keys.length);
      ids.forEach((id, rank) => (ranks[id] = rank));
      this.ranks = ranks;
    }
    return this.ranks;
  }

  layoutKey(id: number): string {
    const s = this.infos[id];
    return s ? identityOf(s.measurement, { ...s.tags, '\u0000': s.field }, '') : '';
  }

  nearCap(): string[] {
    const out: string[] = [];
    for (const [name, m] of this.measurementIndex) if (m.series >= 0.8 * this.maxPerMeasurement) out.push(name);
    return out.sort();
  }

  measurements(prefix = ''): { name: string; series: number }[] {
    const out: { name: string; series: number }[] = [];
    for (const [name, m] of this.measurementIndex) if (name.startsWith(prefix)) out.push({ name, series: m.series });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  fields(measurement: string): string[] {
    return [...(this.measurementIndex.get(measurement)?.fields.keys() ?? [])].sort();
  }

  tagKeys(measurement: string): string[] {
    return [...(this.measurementIndex.get(measurement)?.tags.keys() ?? [])].sort();
  }

  tagValues(measurement: string, key: string, prefix = '', limit = Infinity): string[] {
    const values = this.measurementIndex.get(measurement)?.tags.get(key);
    if (!values) return [];
    return [...values.keys()].filter((v) => v.startsWith(prefix)).sort().slice(0, limit);
  }

  select(measurement: string, field: string, matchers: readonly TagMatcher[]): SeriesInfo[] {
    const ids = this.measurementIndex.get(measurement)?.fields.get(field);
    if (!ids) return [];
    const tests = matchers.map((m): ((v: string) => boolean) => {
      switch (m.op) {
        case '=':
          return (v) => v === m.value;
        case '!=':
          return (v) => v !== m.value;
        case '=~':
        case '!~': {
          const re = RE2JS.compile(m.value);
          return m.op === '=~' ? (v) => re.matches(v) : (v) => !re.matches(v);
        }
      }
    });
    const out: SeriesInfo[] = [];
    for (const id of ids) {
      const s = this.infos[id]!;
      let ok = true;
      for (let i = 0; ok && i < matchers.length; i++) ok = tests[i]!(s.tags[matchers[i]!.key] ?? '');
      if (ok) out.push(s);
    }
    return out;
  }
}

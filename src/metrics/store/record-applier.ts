import { jsonMetricToPoint } from '../../collect/json-metric.js';
import { nsToMs, type FieldInput, type Point } from '../../collect/line-protocol/index.js';
import { parseExposition } from '../../collect/prometheus/parse.js';
import { samplesToPoints } from '../../collect/prometheus/points.js';
import { parseKey, scanLine, ScannedLine } from './line-scanner.js';
import type { SeriesRegistry } from './series-registry.js';
import type { FollowMode } from './topic-follower.js';

/** Where parsed points go: a series id, a time (ms) and a value. */
export type PointSink = (id: number, ts: number, value: number) => void;

/**
 * A known measurement + tag set, found by the hash and bytes of a line's series part. Its fields' series ids (-1:
 * refused by a cap) by name, and by position for the field keys in the order lines usually repeat them, compared as
 * bytes, so a known line allocates no string at all.
 */
interface KeyEntry {
  bytes: Uint8Array;
  measurement: string;
  tags: Record<string, string>;
  byName: Map<string, number>;
  fieldBytes: Uint8Array[];
  fieldIds: number[];
  /** Another entry with the same hash. */
  next: KeyEntry | null;
}

/** Field keys remembered by position per series part. */
const MAX_POSITIONAL_FIELDS = 64;

function sameBytes(data: Uint8Array, s: number, e: number, b: Uint8Array): boolean {
  if (e - s !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (data[s + i] !== b[i]) return false;
  return true;
}

const NEWLINE = 0x0a;

/**
 * Turns record values into points: line protocol through the byte scanner and a cache of series parts (a known series
 * costs one Map lookup per line and one per field), JSON metrics and Prometheus text through the collect parsers.
 * Bad lines (or records) are counted and skipped, string fields counted.
 */
export class RecordApplier {
  badLines = 0;
  skippedFields = 0;
  private readonly line = new ScannedLine();
  private readonly keys = new Map<number, KeyEntry>();
  private keyCount = 0;

  constructor(
    private readonly registry: SeriesRegistry,
    /** The key cache is cleared when it holds this many entries (distinct garbage must not grow memory). */
    private readonly maxKeys: number,
  ) {}

  apply(mode: FollowMode, data: Buffer, start: number, end: number, recordTs: number, influxHeader: boolean, sink: PointSink): void {
    switch (mode) {
      case 'header':
        if (influxHeader) this.influx(data, start, end, recordTs, sink);
        return;
      case 'influx':
        this.influx(data, start, end, recordTs, sink);
        return;
      case 'json':
        this.json(data.toString('utf8', start, end), recordTs, sink);
        return;
      case 'prometheus':
        this.prometheus(data.toString('utf8', start, end), recordTs, sink);
        return;
    }
  }

  private influx(data: Buffer, start: number, end: number, recordTs: number, sink: PointSink): void {
    const line = this.line;
    for (let s = start; s < end; ) {
      // Only within this record: Buffer.indexOf would search on through the rest of the batch (every record, to its
      // end, when values carry no newline: quadratic in the batch).
      let e = s;
      while (e < end && data[e] !== NEWLINE) e++;
      const r = scanLine(data, s, e, line);
      s = e + 1;
      if (r === 'skip') continue;
      if (r === 'bad') {
        this.badLines++;
        continue;
      }
      this.skippedFields += line.skippedFields;
      const ts = Number.isNaN(line.timestampMs) ? recordTs : line.timestampMs;
      if (!line.fast) {
        for (let i = 0; i < line.fieldCount; i++) {
          const id = this.registry.resolve(line.measurement, line.tags!, line.fieldKeys[i]!);
          if (id >= 0) sink(id, ts, line.values[i]!);
        }
        continue;
      }
      const entry = this.entry(data, line);
      if (!entry) {
        this.badLines++;
        continue;
      }
      for (let i = 0; i < line.fieldCount; i++) {
        const fs = line.fieldStarts[i]!;
        const fe = line.fieldEnds[i]!;
        let id: number;
        if (i < entry.fieldBytes.length && sameBytes(data, fs, fe, entry.fieldBytes[i]!)) id = entry.fieldIds[i]!;
        else id = this.fieldId(entry, data, fs, fe, i);
        if (id >= 0) sink(id, ts, line.values[i]!);
      }
    }
  }

  /** The entry of a line's series part, created when new; null when the part breaks the rules (a bad line). */
  private entry(data: Buffer, line: ScannedLine): KeyEntry | null {
    const s = line.keyStart;
    const e = line.keyEnd;
    const first = this.keys.get(line.keyHash);
    for (let k: KeyEntry | null = first ?? null; k; k = k.next) if (sameBytes(data, s, e, k.bytes)) return k;
    const parsed = parseKey(data, s, e);
    if (typeof parsed === 'string') return null;
    if (this.keyCount >= this.maxKeys) {
      this.keys.clear();
      this.keyCount = 0;
    }
    const entry: KeyEntry = { bytes: new Uint8Array(data.subarray(s, e)), ...parsed, byName: new Map(), fieldBytes: [], fieldIds: [], next: this.keys.get(line.keyHash) ?? null };
    this.keys.set(line.keyHash, entry);
    this.keyCount++;
    return entry;
  }

  private fieldId(entry: KeyEntry, data: Buffer, s: number, e: number, position: number): number {
    const name = data.toString('utf8', s, e);
    let id = entry.byName.get(name);
    if (id === undefined) {
      id = this.registry.resolve(entry.measurement, entry.tags, name);
      entry.byName.set(name, id);
    }
    if (position === entry.fieldBytes.length && position < MAX_POSITIONAL_FIELDS) {
      entry.fieldBytes.push(new Uint8Array(data.subarray(s, e)));
      entry.fieldIds.push(id);
    }
    return id;
  }

  private point(p: Point, recordTs: number, sink: PointSink): void {
    const ts = p.timestampNs === undefined || p.timestampNs === null ? recordTs : nsToMs(p.timestampNs);
    for (const [field, f] of Object.entries(p.fields)) {
      const v = numeric(f);
      if (v === null) {
        this.skippedFields++;
        continue;
      }
      const id = this.registry.resolve(p.measurement, p.tags ?? {}, field);
      if (id >= 0) sink(id, ts, v);
    }
  }

  private json(text: string, recordTs: number, sink: PointSink): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        this.point(jsonMetricToPoint(JSON.parse(line), 'ms'), recordTs, sink);
      } catch {
        this.badLines++;
      }
    }
  }

  private prometheus(text: string, recordTs: number, sink: PointSink): void {
    try {
      const { points, skippedNonFinite } = samplesToPoints(parseExposition(text), {}, recordTs);
      this.skippedFields += skippedNonFinite;
      for (const { point } of points) this.point(point, recordTs, sink);
    } catch {
      this.badLines++;
    }
  }
}

function numeric(f: FieldInput): number | null {
  switch (typeof f) {
    case 'number':
      return f;
    case 'boolean':
      return f ? 1 : 0;
    case 'string':
      return null;
    default:
      if (f.type === 'string') return null;
      if (f.type === 'boolean') return f.value ? 1 : 0;
      return Number(f.value);
  }
}

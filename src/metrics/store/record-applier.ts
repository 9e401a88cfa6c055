import { jsonMetricToPoint } from '../../collect/json-metric.js';
import { nsToMs, type FieldInput, type Point } from '../../collect/line-protocol/index.js';
import { parseExposition } from '../../collect/prometheus/parse.js';
import { samplesToPoints } from '../../collect/prometheus/points.js';
import { parseKey, scanLine, ScannedLine } from './line-scanner.js';
import type { SeriesRegistry } from './series-registry.js';
import type { FollowMode } from './topic-follower.js';

/** Where parsed points go: a series id, a time (ms) and a value. */
export type PointSink = (id: number, ts: number, value: number) => void;

/** A known measurement + tag set, by the bytes of a line's series part: its fields' series ids (-1: refused by a cap). */
interface KeyEntry {
  measurement: string;
  tags: Record<string, string>;
  fields: Map<string, number>;
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
  private readonly keys = new Map<string, KeyEntry>();

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
      let e = data.indexOf(NEWLINE, s);
      if (e < 0 || e > end) e = end;
      const r = scanLine(data, s, e, line);
      s = e + 1;
      if (r === 'skip') continue;
      if (r === 'bad') {
        this.badLines++;
        continue;
      }
      this.skippedFields += line.skippedFields;
      const ts = Number.isNaN(line.timestampMs) ? recordTs : line.timestampMs;
      if (line.key === null) {
        for (let i = 0; i < line.fieldCount; i++) {
          const id = this.registry.resolve(line.measurement, line.tags!, line.fieldKeys[i]!);
          if (id >= 0) sink(id, ts, line.values[i]!);
        }
        continue;
      }
      let entry = this.keys.get(line.key);
      if (!entry) {
        const k = parseKey(data, line.keyStart, line.keyEnd);
        if (typeof k === 'string') {
          this.badLines++;
          continue;
        }
        if (this.keys.size >= this.maxKeys) this.keys.clear();
        entry = { measurement: k.measurement, tags: k.tags, fields: new Map() };
        this.keys.set(line.key, entry);
      }
      for (let i = 0; i < line.fieldCount; i++) {
        const name = line.fieldKeys[i]!;
        let id = entry.fields.get(name);
        if (id === undefined) {
          id = this.registry.resolve(entry.measurement, entry.tags, name);
          entry.fields.set(name, id);
        }
        if (id >= 0) sink(id, ts, line.values[i]!);
      }
    }
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

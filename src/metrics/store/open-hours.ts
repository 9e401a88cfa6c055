import { HourStreams } from './hour-streams.js';
import { HOUR } from './tier-files.js';

/** One hour of points in memory: the recent window, or late points for an hour already sealed (merged at the next seal). */
export interface OpenHour {
  start: number;
  streams: HourStreams;
  /** Per partition (`topic-partition`), the first offset whose record put a point here: the checkpoint stays at or below it. */
  firstOffset: Map<string, number>;
  /** A sealing hour whose parts are written: its points are all on disk now, and reads leave this copy out. */
  written?: boolean;
  /** Oldest point of the hour (asked per query, for the tier spans: not a walk over every stream). */
  minTs: number;
}

/**
 * The hours held in memory: open ones (points still arriving) and those a seal pass is writing (still readable until
 * their parts are on disk).
 */
export class OpenHours {
  readonly open = new Map<number, OpenHour>();
  private sealing: OpenHour[] = [];
  /** The sealing hours by start (unique: each came from `open`): at() is asked per series and hour by reads. */
  private sealingAt = new Map<number, OpenHour>();
  private last: OpenHour | null = null;
  /** starts(), kept until an hour opens or the sealing set changes (queries ask once per read). */
  private startsMemo: number[] | null = null;

  hour(start: number): OpenHour {
    if (this.last?.start === start) return this.last;
    let h = this.open.get(start);
    if (!h) {
      this.open.set(start, (h = { start, streams: new HourStreams(), firstOffset: new Map(), minTs: Infinity }));
      this.startsMemo = null;
    }
    return (this.last = h);
  }

  append(h: OpenHour, id: number, ts: number, v: number): void {
    h.streams.append(id, ts, v);
    if (ts < h.minTs) h.minTs = ts;
  }

  /** Hours ending at or before `frontier`, moved to the sealing set, oldest first. */
  take(frontier: number): OpenHour[] {
    const out: OpenHour[] = [];
    for (const h of this.open.values()) if (h.start + HOUR <= frontier) out.push(h);
    for (const h of out) this.open.delete(h.start);
    this.last = null;
    this.sealing = out.sort((a, b) => a.start - b.start);
    this.sealingAt = new Map(out.map((h) => [h.start, h]));
    this.startsMemo = null;
    return this.sealing;
  }

  /**
   * A sealing hour whose raw part is in place: reads find all its points on disk from now on, and its memory goes at
   * once, not when the whole pass is done (a pass over a backlog of hours held every one of them until its end).
   */
  written(h: OpenHour): void {
    h.written = true;
    h.streams = new HourStreams();
    this.sealing = this.sealing.filter((x) => x !== h);
    if (this.sealingAt.get(h.start) === h) this.sealingAt.delete(h.start);
    this.startsMemo = null;
  }

  /** The sealing hours are on disk now. */
  sealed(): void {
    this.sealing = [];
    this.sealingAt = new Map();
    this.startsMemo = null;
  }

  /**
   * An hour given back after a failed seal, open again. Points that came for it meanwhile went into a new open hour of
   * the same start: they are appended after its own (so where both have a ms, theirs still wins) and that hour is
   * replaced; keeping either one alone lost the other's points, and the checkpoint then moved past their records.
   */
  reopen(h: OpenHour): void {
    h.written = false;
    const newer = this.open.get(h.start);
    if (newer && newer !== h) {
      for (const id of newer.streams.keys()) {
        const p = newer.streams.get(id)!.points();
        for (let i = 0; i < p.timestamps.length; i++) this.append(h, id, p.timestamps[i]!, p.values[i]!);
      }
      for (const [key, offset] of newer.firstOffset) h.firstOffset.set(key, Math.min(offset, h.firstOffset.get(key) ?? Infinity));
    }
    this.open.set(h.start, h);
    if (this.last === newer) this.last = null;
    this.startsMemo = null;
  }

  /** The hours in memory that start at `start`, in the order their writes win (sealing before open): usually one. */
  at(start: number): OpenHour[] {
    const out: OpenHour[] = [];
    const s = this.sealingAt.get(start);
    if (s && !s.written) out.push(s);
    const h = this.open.get(start);
    if (h) out.push(h);
    return out;
  }

  /**
   * The typical time between points of these series (ms): the median over up to 64 of them (spread over the list) of
   * each one's mean interval in the newest hour in memory that has two of its points; NaN when none has.
   */
  typicalInterval(ids: readonly number[]): number {
    const starts = this.starts();
    const found: number[] = [];
    const every = Math.max(1, Math.floor(ids.length / 64));
    for (let k = 0; k < ids.length && found.length < 64; k += every) {
      for (let i = starts.length - 1; i >= 0; i--) {
        const h = this.open.get(starts[i]!) ?? this.sealingAt.get(starts[i]!);
        const iv = h ? h.streams.meanIntervalOf(ids[k]!) : NaN;
        if (iv > 0) {
          found.push(iv);
          break;
        }
      }
    }
    if (found.length === 0) return NaN;
    found.sort((a, b) => a - b);
    return found[found.length >> 1]!;
  }

  /** Starts of every hour in memory, ascending, unique (shared: do not modify). */
  starts(): readonly number[] {
    if (this.startsMemo) return this.startsMemo;
    const s = new Set<number>();
    for (const h of this.sealing) s.add(h.start);
    for (const h of this.open.keys()) s.add(h);
    return (this.startsMemo = [...s].sort((a, b) => a - b));
  }

  /**
   * Lowest first offset of a partition among open hours (Infinity: none); with `endingBy`, among those ending at or
   * before it only (late points for sealed hours, waiting in memory for the next seal).
   */
  firstOffset(key: string, endingBy = Infinity): number {
    let min = Infinity;
    for (const h of this.open.values()) if (h.start + HOUR <= endingBy) min = Math.min(min, h.firstOffset.get(key) ?? Infinity);
    return min;
  }

  /** Bytes of point streams in memory (capacity, as allocated). */
  bytes(): number {
    let n = 0;
    for (const h of this.open.values()) n += h.streams.bytes;
    for (const h of this.sealing) n += h.streams.bytes;
    return n;
  }

  /** Oldest point held in memory (Infinity: none). */
  oldest(): number {
    let min = Infinity;
    for (const h of this.sealing) if (!h.written) min = Math.min(min, h.minTs);
    for (const h of this.open.values()) min = Math.min(min, h.minTs);
    return min;
  }
}

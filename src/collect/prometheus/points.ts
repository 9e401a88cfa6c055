import type { Point } from '../line-protocol/index.js';
import { msToNs } from '../line-protocol/index.js';
import type { Sample } from './parse.js';

export interface SamplePoints {
  points: { point: Point; type: Sample['type'] }[];
  /** NaN and ±Inf samples: line protocol cannot carry them, so they are counted and left out. */
  skippedNonFinite: number;
}

/**
 * Samples as line-protocol points: measurement = metric name, tags = the sample's labels plus `targetLabels`
 * (instance, job and configured labels, which win; a sample's own label of the same name is kept as exported_<name>,
 * as Prometheus does without honor_labels), one float field `value`, timestamp = the sample's or `defaultMs`.
 */
export function samplesToPoints(samples: Sample[], targetLabels: Record<string, string>, defaultMs: number): SamplePoints {
  const out: SamplePoints = { points: [], skippedNonFinite: 0 };
  for (const s of samples) {
    if (!Number.isFinite(s.value)) {
      out.skippedNonFinite++;
      continue;
    }
    const tags: Record<string, string> = Object.create(null); // a label may be called __proto__
    for (const [k, v] of Object.entries(s.labels)) tags[Object.hasOwn(targetLabels, k) ? `exported_${k}` : k] = v;
    Object.assign(tags, targetLabels);
    out.points.push({ point: { measurement: s.name, tags, fields: { value: s.value }, timestampNs: msToNs(s.timestampMs ?? defaultMs) }, type: s.type });
  }
  return out;
}

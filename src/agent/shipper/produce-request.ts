// Batches bound for one leader, grouped into Produce requests under the request size limit.
import type { ProduceBody } from '../../client/cluster.js';
import type { Batch } from './partition-queue.js';

/** Splits batches (in order) into runs whose wire size stays within maxBytes; a lone larger batch gets its own run. */
export function requestsOf(batches: Batch[], maxBytes: number): Batch[][] {
  const out: Batch[][] = [];
  let request: Batch[] = [];
  let size = 0;
  for (const b of batches) {
    if (request.length > 0 && size + b.wire!.length > maxBytes) {
      out.push(request);
      request = [];
      size = 0;
    }
    request.push(b);
    size += b.wire!.length;
  }
  if (request.length > 0) out.push(request);
  return out;
}

export function topicDataOf(batches: Batch[]): ProduceBody['topicData'] {
  const topicData: ProduceBody['topicData'] = [];
  for (const b of batches) {
    let t = topicData.find((x) => x.name === b.topic);
    if (!t) topicData.push((t = { name: b.topic, partitionData: [] }));
    t.partitionData.push({ index: b.partition, records: b.wire! });
  }
  return topicData;
}

import { browseTopic, MAX_BROWSE_LIMIT, type BrowseRequest } from './browse.js';
import type { BrowseLogs, BrowsedRecord } from './types.js';

/** Where a browse of a time range ends: at the first record (in the browse's order) before or at/after these times. */
export interface BrowseStop {
  /** Epoch ms: a record older than this ends it (browsing backward to a range's start). */
  before?: number;
  /** Epoch ms: a record at or after this ends it (browsing forward to a range's end). */
  atOrAfter?: number;
}

/**
 * Every record from a seek point on, in the browse's order (merged by time, or one partition), page by page, up to
 * `max` records or the first one past `stop`: what an export of the message browser's result set streams, ending
 * where the view's list ends. Forward, it stops at the end seen when the last page was read (an export ends; it
 * does not follow new records). Pulled, one page at a time.
 */
export async function* browseAll(
  logs: BrowseLogs,
  req: Omit<BrowseRequest, 'limit' | 'cursor'>,
  max: number,
  signal?: AbortSignal,
  stop: BrowseStop = {},
): AsyncGenerator<BrowsedRecord & { topic: string }> {
  let cursor: string | undefined;
  let left = max;
  while (left > 0) {
    if (signal?.aborted) return;
    const page = await browseTopic(logs, { ...req, limit: Math.min(MAX_BROWSE_LIMIT, left), cursor });
    for (const r of page.records) {
      if ((stop.before !== undefined && r.timestamp < stop.before) || (stop.atOrAfter !== undefined && r.timestamp >= stop.atOrAfter)) return;
      yield Object.assign(r, { topic: req.topic });
    }
    left -= page.records.length;
    if (page.records.length === 0 || page.cursor === null || page.atEnd) return;
    cursor = page.cursor;
  }
}

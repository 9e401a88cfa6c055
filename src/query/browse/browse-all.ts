import { browseTopic, MAX_BROWSE_LIMIT, type BrowseRequest } from './browse.js';
import type { BrowseLogs, BrowsedRecord } from './types.js';

/**
 * Every record from a seek point on, in the browse's order (merged by time, or one partition), page by page, up to
 * `max` records: what an export of the message browser's result set streams. Forward, it stops at the end seen when
 * the last page was read (an export ends; it does not follow new records). Pulled, one page at a time.
 */
export async function* browseAll(
  logs: BrowseLogs,
  req: Omit<BrowseRequest, 'limit' | 'cursor'>,
  max: number,
  signal?: AbortSignal,
): AsyncGenerator<BrowsedRecord & { topic: string }> {
  let cursor: string | undefined;
  let left = max;
  while (left > 0) {
    if (signal?.aborted) return;
    const page = await browseTopic(logs, { ...req, limit: Math.min(MAX_BROWSE_LIMIT, left), cursor });
    for (const r of page.records) yield Object.assign(r, { topic: req.topic });
    left -= page.records.length;
    if (page.records.length === 0 || page.cursor === null || page.atEnd) return;
    cursor = page.cursor;
  }
}

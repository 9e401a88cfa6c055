/**
 * Log search over the partition logs: skip by time (block timestamps), then by the token index (each block's bloom
 * filter), read only what is left, test raw bytes before decoding, merge partitions by time. Pages with stable
 * cursors, histograms by level, facets, and streamed exports all run on the same scans.
 */
export { planSearch, searchPage, mergedMatches, finishStats, MAX_SEARCH_LIMIT, PROGRESS_INTERVAL_MS, type SearchPage, type SearchPlan, type SearchRequest, type PageOptions } from './search.js';
export { histogram, autoStep, AUTO_BUCKETS, MAX_BUCKETS, HISTOGRAM_LEVELS, type Histogram, type HistogramLevel } from './histogram.js';
export { facets, DEFAULT_FACET_SCAN, MAX_FACET_SCAN, type Facets } from './facets.js';
export { exportLines, recordLines, recordJson, CSV_HEADER, type ExportFormat } from './export.js';
export { scanBatches, type BatchFilter, type RecordGate } from './batch-scan.js';
export { PartitionScan, yieldToLoop, type ScanRange } from './partition-scan.js';
export { workItems, type WorkItem } from './work-items.js';
export { parseTimeBound } from './time-bound.js';
export { decodeSearchCursor, encodeSearchCursor, type SearchCursor } from './cursor.js';
export { SearchCancelled, SearchError, emptyStats, type FoundRecord, type SearchLogs, type SearchOrder, type SearchStats } from './types.js';

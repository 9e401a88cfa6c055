/**
 * The token index: the sidecar `<base offset>.tokens` beside each segment that lets a search skip the ~1 MiB blocks
 * that cannot contain its words ("speed comes from skipping"). The storage layer builds and keeps it; the search
 * engine (src/query/) only reads it, through this contract:
 *
 * ```ts
 * // on PartitionLog
 * searchSpans(): SearchSpan[]
 *   // What a search must read in the partition, oldest first: indexed blocks, and byte ranges not indexed (yet): the
 *   // block appends are filling, blocks still being built or rebuilt, everything when searchIndex is off. Together
 *   // they cover every byte of every segment, without gaps or overlaps, so [logStartOffset, logEndOffset) entirely
 *   // (the first span may begin below logStartOffset: skip those records). A snapshot: call again for newer data.
 * readRange(segmentBase: number, start: number, end: number): Promise<Buffer>
 *   // The raw batches of [start, end) of that segment (whole batches when taken from a span), through the fd cache.
 *   // Empty when the segment was deleted since (retention).
 * tokenIndexStats(): TokenIndexStats
 *   // indexBytes / logBytes is the "index size as % of the log"; indexedBytes how much of the log is covered.
 * ```
 *
 * A block's `mayContainAll(hashes)` takes the hashes of tokens.ts (tokenHashes(text)) and is false only when at least
 * one of them is certainly absent from every record of the block: key, value, header keys and header values, of every
 * codec. No false negatives; false positives ~0.1 % at 16 bits per token, more where the 5 % cap binds (blocks full of
 * unique ids). A block that could not be read (corrupt records) or whose filter failed its CRC answers true. Filters
 * live in a bounded in-memory cache; one that was dropped is read back synchronously (one small read) when asked.
 * minTimestamp/maxTimestamp are the smallest first timestamp and largest max timestamp of the block's batches (-1:
 * none); firstOffset/lastOffset the offsets of its first and last batch (control batches included, their records
 * not counted in `records`).
 *
 * A block's `levelCounts()` gives its records per level (LEVEL_COLUMNS: the six level names, then `unknown`; THE level
 * of a record as common/level defines it) and per epoch-aligned time bucket of `resolution` ms (one second unless the
 * block spans so long that coarser buckets were needed), counted from each record's own timestamp; null when the block
 * has none (it could not be read). They sum to `records`.
 *
 * A block built from appends also holds, in memory only and for the newest blocks (16 MiB over all partitions by
 * default), its records' levels one by one: `recordLevels()` gives the level column of each offset from firstOffset
 * (255 where none is known), or null once dropped. The alert tap reads it to pass over records no rule wants.
 */
export type { TokenBlock } from './token-block.js';
export { LEVEL_COLUMNS, type LevelCounts } from './level-counts.js';
export type { SearchSpan, TokenIndexStats } from './partition-token-index.js';
export { TokenIndexer, DEFAULT_FILTER_CACHE_BYTES, type TokenIndexerOptions } from './token-indexer.js';
export { BLOCK_BYTES, MAX_INDEX_RATIO } from './block-builder.js';
export { TOKEN_INDEX_SUFFIX, TOKEN_INDEX_VERSION } from './token-index-file.js';
export { forEachToken, tokenHashes, tokensOf, isTokenByte, MAX_TOKEN_BYTES } from './tokens.js';

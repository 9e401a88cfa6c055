/** Live tail: follow topics' appends, filtered by a query, one shared feed per subscription, bounded per-client buffers with counted skips. */
export { TailHub, TailSession, DEFAULT_TAIL_BUFFER_BYTES, DEFAULT_TAIL_MAX_LAG, MAX_TAIL_LAST, DEFAULT_TAIL_CPU_MS_PER_SECOND, type TailOptions, type TailSink } from './tail-session.js';
export { TailFeed, type FeedMember } from './tail-feed.js';
export { CpuBudget } from './cpu-budget.js';

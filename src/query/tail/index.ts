/** Live tail: follow topics' appends for one client, filtered by a query, with a bounded buffer and counted skips. */
export { TailSession, DEFAULT_TAIL_BUFFER_BYTES, DEFAULT_TAIL_MAX_LAG, MAX_TAIL_LAST, type TailOptions, type TailSink } from './tail-session.js';

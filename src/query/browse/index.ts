/** Browsing a topic's records: seek, merge partitions by time, either direction, stable cursors, rendering. */
export { browseTopic, readRecord, recordContext, MAX_BROWSE_LIMIT, type BrowsePage, type BrowseRequest } from './browse.js';
export { browseAll, type BrowseStop } from './browse-all.js';
export { decodeCursor, encodeCursor, type BrowseCursor } from './cursor.js';
export { READ_CHUNK_BYTES } from './partition-stream.js';
export { renderBytes, VALUE_FORMATS, type Rendered, type ValueFormat } from './render.js';
export { BrowseError, type BrowseLogs, type BrowsedRecord, type Direction, type Seek } from './types.js';

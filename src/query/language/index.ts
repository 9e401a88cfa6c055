// The log search language: parse a query once, then test records with it. Pure code, no I/O; the search engine
// builds on this. Syntax and semantics: docs/query.md.
export { compileQuery, SharedRecordContext, type CompiledQuery } from './compile.js';
export { QuerySyntaxError } from './errors.js';
export { LEVEL_NAMES, normalizeLevel, type LevelName } from '../../common/level/index.js';
export { requirementHolds, type TokenRequirement } from './prefilter.js';
export type { LevelColumn } from './level-only.js';
export type { RecordView } from './record-fields.js';
export { byteFilter, literalOccurrences, LiteralPresence } from './byte-filter.js';
export type { ByteRequirement } from './prefilter.js';
export type { Literal } from './literal.js';

import { byteRequirement, type ByteRequirement } from './prefilter.js';
import { parseQuery } from './parser.js';
import { levelsRequired, type LevelColumn } from './level-only.js';

/** The levels a record must have for `text` to match it (null: any level may). See level-only.ts levelsRequired. */
export function queryRequiredLevels(text: string): ReadonlySet<LevelColumn> | null {
  return levelsRequired(parseQuery(text, false));
}

/** The literals a record's raw bytes must hold for `text` to match it (as the search's byte prefilter derives them). */
export function queryByteRequirement(text: string, caseSensitive = false): ByteRequirement {
  return byteRequirement(parseQuery(text, caseSensitive));
}

// The log search language: parse a query once, then test records with it. Pure code, no I/O; the search engine
// builds on this. Syntax and semantics: docs/query.md.
export { compileQuery, type CompiledQuery } from './compile.js';
export { QuerySyntaxError } from './errors.js';
export { LEVEL_NAMES, normalizeLevel, type LevelName } from '../../common/level/index.js';
export { requirementHolds, type TokenRequirement } from './prefilter.js';
export type { LevelColumn } from './level-only.js';
export type { RecordView } from './record-fields.js';

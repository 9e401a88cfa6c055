/**
 * Log levels: the six names every source's levels fold to (levels.ts), the level a line of text states
 * (detect-level.ts), and THE level of a record (RecordText.level()), shared by the query language (`level:`,
 * histograms), the agent's collectors and the token index's per-block level counts. Layer 0: imports nothing of the
 * project.
 */
export { LEVEL_NAMES, LEVEL_FIELDS, levelRank, normalizeLevel, type LevelName } from './levels.js';
export { detectLevel, levelWord } from './detect-level.js';
export { RecordText, collectRaw, type RecordHeaders } from './record-text.js';

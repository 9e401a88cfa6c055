/**
 * The agent's file source: tails files matching globs and emits their lines as SourcedRecord batches, with a
 * crash-safe checkpoint of committed positions. See FileTailer.
 */
export { FileTailer, lastPositions, type FileTailerEvents, type TailerStats } from './file-tailer.js';
export {
  DEFAULT_CONTINUE_PATTERN,
  DEFAULT_EXCLUDE,
  TailerConfigError,
  type FileTailerOptions,
  type MultilineOptions,
  type ParseOptions,
  type TailLogger,
} from './options.js';
export { CheckpointError, type FileIdentity, type ResumePoint } from './checkpoint.js';
export { parseTimestamp } from './timestamp.js';
export { detectLevel } from '../../common/level/index.js';
export { jsonFields } from './json-line.js';

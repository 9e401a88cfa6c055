import type { RE2JS } from 're2js';
import type { LevelName } from '../../common/level/index.js';
import type { Literal } from './literal.js';

/**
 * The parsed query. `field: null` means the record's value (`_msg`, what free words search); other names are looked
 * up as record-fields.ts describes (built-ins, headers, JSON paths, logfmt keys).
 */
export type CompareOp = '>' | '>=' | '<' | '<=';

export type QueryNode =
  | { kind: 'all' }
  | { kind: 'and'; children: QueryNode[] }
  | { kind: 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode }
  /** A word, "phrase" or prefix* occurring in the value or field. */
  | { kind: 'text'; field: string | null; lit: Literal }
  /** `field:=value`: the whole value, case included. */
  | { kind: 'equals'; field: string | null; value: string }
  | { kind: 'regex'; field: string | null; source: string; re: RE2JS }
  /** `field:*` */
  | { kind: 'exists'; field: string }
  /** `status>=500`: numeric when the operand is a number, else by string order. */
  | { kind: 'compare'; field: string | null; op: CompareOp; value: string; num: number | null }
  /** `level:error`, `level>=warn`: on the normalised level of the record. */
  | { kind: 'level'; op: ':' | CompareOp; level: LevelName }
  /** `level:*`: the record has a level. */
  | { kind: 'has-level' }
  /** `_time` clauses: record timestamp in [from, to) ms. */
  | { kind: 'time'; from: number; to: number };

// What a partition's answer to a Produce request means for the batch that was sent, and the int32 sequence
// arithmetic of the idempotent producer. Pure: the Sender acts on the verdict.
import { errorByCode, errorCode } from '../../protocol/errors.js';

const INT32_MAX = 2147483647;
const SEQUENCE_ERRORS = new Set([errorCode('OUT_OF_ORDER_SEQUENCE_NUMBER'), errorCode('UNKNOWN_PRODUCER_ID'), errorCode('INVALID_PRODUCER_EPOCH')]);
const TOO_LARGE = new Set([errorCode('MESSAGE_TOO_LARGE'), errorCode('RECORD_LIST_TOO_LARGE')]);
const DUPLICATE_SEQUENCE = errorCode('DUPLICATE_SEQUENCE_NUMBER');

export type Outcome =
  /** Stored (or already stored: a duplicate of a batch the broker has). */
  | { kind: 'acknowledged' }
  /** The broker lost or rejects our producer state: a new epoch, then send again. */
  | { kind: 'resequence'; detail: string }
  /** The batch exceeds what the topic accepts: halve it. */
  | { kind: 'too-large' }
  | { kind: 'retry'; type: string; detail: string }
  | { kind: 'fatal'; detail: string; explanation: string | null };

export function outcomeOf(code: number, message: string | null): Outcome {
  if (code === 0 || code === DUPLICATE_SEQUENCE) return { kind: 'acknowledged' };
  const e = errorByCode(code);
  const type = e?.type ?? `error code ${code}`;
  const detail = `${type}${message ? `: ${message}` : ''}`;
  if (SEQUENCE_ERRORS.has(code)) return { kind: 'resequence', detail };
  if (TOO_LARGE.has(code)) return { kind: 'too-large' };
  if (e?.retriable) return { kind: 'retry', type, detail };
  return { kind: 'fatal', detail, explanation: e?.message ?? null };
}

/** The sequence after `records` more records: Kafka's sequences wrap from int32 max to 0. */
export function advanceSequence(sequence: number, records: number): number {
  return (sequence + records) % (INT32_MAX + 1);
}

import { KafkaProtocolError, type ErrorName } from '../protocol/errors.js';
import { StorageError } from '../storage/index.js';

/**
 * The Kafka error a thrown error answers with: StorageError and KafkaProtocolError carry theirs; anything else is an
 * I/O failure or a bug, answered as KAFKA_STORAGE_ERROR (`unexpected`, so the caller logs it with its stack).
 */
export function kafkaErrorOf(e: unknown): { name: ErrorName; message: string; unexpected: boolean } {
  if (e instanceof StorageError) return { name: e.code, message: e.message, unexpected: false };
  if (e instanceof KafkaProtocolError) return { name: e.errorName, message: e.message, unexpected: false };
  return { name: 'KAFKA_STORAGE_ERROR', message: (e as Error)?.message ?? String(e), unexpected: true };
}

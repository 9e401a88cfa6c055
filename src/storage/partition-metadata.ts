import fs from 'node:fs';
import path from 'node:path';

/**
 * `partition.metadata` in every partition directory, as Kafka writes it: the id of the topic the directory belongs to.
 * It is what proves a directory is ours: the broker removes a directory only when it carries this file (or is empty,
 * or carries our "-delete" name), never because its name merely looks like `<topic>-<n>`.
 *
 *     version: 0
 *     topic_id: <the topic id, base64url, as Kafka's Uuid.toString>
 */
export const PARTITION_METADATA_FILE = 'partition.metadata';

const VERSION_LINE = 'version: 0';
const TOPIC_ID = /^topic_id: ([A-Za-z0-9_-]{22})$/;

export function partitionMetadataText(topicId: Buffer): string {
  return `${VERSION_LINE}\ntopic_id: ${topicId.toString('base64url')}\n`;
}

/**
 * Written without fsync: it is rewritten from topics.json at every start if lost, and a torn one (power loss during
 * creation) sits in a directory that is otherwise empty, which counts as ours anyway.
 */
export function writePartitionMetadata(dir: string, topicId: Buffer): void {
  fs.writeFileSync(path.join(dir, PARTITION_METADATA_FILE), partitionMetadataText(topicId));
}

/** The topic id; null when the file is missing, 'invalid' when it is not ours or torn. */
export function readPartitionMetadata(dir: string): Buffer | null | 'invalid' {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, PARTITION_METADATA_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') return 'invalid';
    throw err;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  const id = lines.length === 2 && lines[0] === VERSION_LINE ? TOPIC_ID.exec(lines[1]!) : null;
  if (!id) return 'invalid';
  const bytes = Buffer.from(id[1]!, 'base64url');
  return bytes.length === 16 ? bytes : 'invalid';
}

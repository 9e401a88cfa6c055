import fs from 'node:fs';
import path from 'node:path';
import { randomKafkaUuid, type StoredTopic } from './metadata-store.js';
import { PARTITION_METADATA_FILE, readPartitionMetadata } from './partition-metadata.js';
import { parsePartitionDirName } from './topic-name.js';

/*
 * What in a data directory the broker may touch. Other programs keep files next to ours (an agent's checkpoint and
 * spool used to live in `<data dir>/agent-<name>`, which looks like partition <name> of topic "agent"), so a name
 * that looks like `<topic>-<n>` proves nothing. The broker removes or adopts an entry only when it can prove the
 * entry is its own; everything else is left alone with a warning naming it.
 */

/** Our top-level files besides partition directories (and the temp files of their atomic rewrites, lock takeovers). */
// tls/, users.json and acls.json (with .tmp/.lock) are the broker's security files (src/broker/security/): its generated
// certificates, SASL users and ACLs.
const OWN_FILES = /^(__meta|__metrics|tls|(users|acls)\.json(\.tmp|\.lock)?|\.lock(\..+)?|(\.clean-shutdown|recovery-point-offset-checkpoint|log-start-offset-checkpoint)(\.tmp)?)$/;
/** Desktop file managers drop these anywhere; not worth a warning. */
const OS_FILES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);
/** A partition directory renamed for removal: `<topic>-<n>.<16 hex>-delete` (partition-dirs.ts). */
const DELETED_DIR = /^(.+)\.[0-9a-f]{16}-delete$/;
/** Segment logs are named by their base offset in 20 digits; nobody else names files so. */
const SEGMENT_LOG = /^\d{20}\.log$/;

export type Contents =
  /** Nothing, or only a partition.metadata that is torn: a creation cut short. */
  | { kind: 'empty' }
  /** Carries our partition.metadata. */
  | { kind: 'ours'; topicId: Buffer }
  /** Segment logs, but no partition.metadata (written by a Tributary before partition.metadata existed). */
  | { kind: 'segments' }
  | { kind: 'foreign' };

/** What a directory named like a partition holds. */
export function partitionDirContents(dir: string): Contents {
  const files = fs.readdirSync(dir);
  const meta = files.includes(PARTITION_METADATA_FILE) ? readPartitionMetadata(dir) : null;
  if (meta instanceof Buffer) return { kind: 'ours', topicId: meta };
  if (files.every((f) => f === PARTITION_METADATA_FILE)) return { kind: 'empty' };
  return files.some((f) => SEGMENT_LOG.test(f)) ? { kind: 'segments' } : { kind: 'foreign' };
}

function directories(dataDir: string): string[] {
  return fs
    .readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/**
 * Without topics.json: one topic per set of partition directories that hold our partition files (partition.metadata
 * or segment logs), partition count from the highest index, topic id from partition.metadata where there is one.
 * Directories of one name with different topic ids are not adopted together: the first id found wins, and the others
 * are named in a warning.
 */
export function rebuildTopics(dataDir: string, warn: (m: string) => void): StoredTopic[] {
  const topics = new Map<string, { partitions: number; id: Buffer | null }>();
  for (const name of directories(dataDir).sort()) {
    const parsed = parsePartitionDirName(name);
    if (!parsed) continue;
    const contents = partitionDirContents(path.join(dataDir, name));
    if (contents.kind !== 'ours' && contents.kind !== 'segments') continue;
    const t = topics.get(parsed.topic) ?? { partitions: 0, id: null };
    if (contents.kind === 'ours') {
      if (t.id && !t.id.equals(contents.topicId)) {
        warn(`not adopting ${name}: its partition.metadata names another topic id than the other ${parsed.topic} partitions`);
        continue;
      }
      t.id = contents.topicId;
    }
    t.partitions = Math.max(t.partitions, parsed.partition + 1);
    topics.set(parsed.topic, t);
  }
  return [...topics].map(([name, t]) => ({ name, id: t.id ?? randomKafkaUuid(), partitions: t.partitions, overrides: {} }));
}

export interface StrayEntry {
  name: string;
  /** remove: provably ours and unowned; leave: not provably ours (warned about, never touched). */
  action: 'remove' | 'leave';
  why: string;
}

/**
 * Entries of the data directory that no topic owns. Removable are only: our "-delete" renames, and partition
 * directories missing from topics.json that carry our partition.metadata or are empty (a deletion or creation cut
 * short by a crash). Everything else that is not ours is to be left alone.
 */
export function strayEntries(dataDir: string, owns: (topic: string, partition: number) => boolean): StrayEntry[] {
  const out: StrayEntry[] = [];
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    const name = entry.name;
    if (OWN_FILES.test(name) || OS_FILES.has(name)) continue;
    if (!entry.isDirectory()) {
      out.push({ name, action: 'leave', why: 'not a file Tributary writes here' });
      continue;
    }
    const deleted = DELETED_DIR.exec(name);
    if (deleted && parsePartitionDirName(deleted[1]!)) {
      out.push({ name, action: 'remove', why: 'left over from a topic deletion' });
      continue;
    }
    const parsed = parsePartitionDirName(name);
    if (!parsed) {
      out.push({ name, action: 'leave', why: 'not a partition directory' });
      continue;
    }
    if (owns(parsed.topic, parsed.partition)) continue;
    const contents = partitionDirContents(path.join(dataDir, name));
    if (contents.kind === 'ours') out.push({ name, action: 'remove', why: `no such partition in topics.json (topic id ${contents.topicId.toString('base64url')}; left over from an interrupted deletion or creation)` });
    else if (contents.kind === 'empty') out.push({ name, action: 'remove', why: 'an empty partition directory left over from an interrupted creation' });
    else if (contents.kind === 'segments') out.push({ name, action: 'leave', why: 'it holds segment files but no partition.metadata, and no topic in topics.json owns it' });
    else out.push({ name, action: 'leave', why: 'its name looks like a partition, but it holds no partition files' });
  }
  return out;
}

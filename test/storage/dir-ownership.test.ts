// What the broker may remove or adopt in its data directory: only what it can prove it created (partition.metadata,
// its "-delete" renames, empty directories of an interrupted creation). Other programs' files next to ours, such as an
// agent's `agent-web-01/` with its checkpoint and spool, are named in a warning and left alone.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendBatch, captureLogger, makeBatch, openManager, tempDir } from './helpers.js';

/** An agent's data directory as `tributary agent --name web-01` kept it inside the broker's data root. */
function plantAgentDir(dataDir: string): string {
  const dir = path.join(dataDir, 'agent-web-01');
  fs.mkdirSync(path.join(dir, 'spool'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"files":[]}\n');
  fs.writeFileSync(path.join(dir, 'spool', '00000000000000000001.seg'), 'spooled records');
  return dir;
}

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const metadataOf = (dir: string) => fs.readFileSync(path.join(dir, 'partition.metadata'), 'utf8');

describe('data directory ownership', () => {
  it('neither adopts nor deletes a foreign directory named like a partition (fresh root, then with topics.json)', async () => {
    const dataDir = tempDir();
    const agentDir = plantAgentDir(dataDir);
    const before = listTree(agentDir);
    const logger = captureLogger();
    const m = await openManager(dataDir, { logger });
    expect(m.listTopics()).toEqual([]);
    expect(logger.lines.some((l) => l.includes('rebuilt'))).toBe(false);
    expect(logger.lines.some((l) => l.startsWith('warn ') && l.includes(agentDir) && l.includes('alone'))).toBe(true);
    await m.close();
    expect(listTree(agentDir)).toEqual(before);

    // Now topics.json exists and names no such partition: the old broker removed the directory at this point.
    const again = await openManager(dataDir, { logger: captureLogger() });
    expect(again.listTopics()).toEqual([]);
    await again.close();
    expect(listTree(agentDir)).toEqual(before);
    expect(fs.readFileSync(path.join(agentDir, 'checkpoint.json'), 'utf8')).toBe('{"files":[]}\n');
  });

  it('leaves a directory named like a partition of an existing topic alone when its name is not canonical', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('agent-web', 2);
    await m.close();
    const agentDir = plantAgentDir(dataDir); // "agent-web-01" is not partition 1 of agent-web ("agent-web-1")
    const again = await openManager(dataDir, { logger: captureLogger() });
    expect(again.getTopic('agent-web')!.partitions).toBe(2);
    await again.close();
    expect(fs.existsSync(path.join(agentDir, 'checkpoint.json'))).toBe(true);
    expect(fs.existsSync(path.join(agentDir, 'partition.metadata'))).toBe(false);
  });

  it('removes only provably-own leftovers: our partition.metadata, empty directories, "-delete" renames', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('gone', 2);
    appendBatch(m.partition('gone', 1)!, makeBatch(3));
    m.createTopic('kept', 1);
    await m.close();
    // Simulate a deletion cut short after topics.json was rewritten: the directories stay, the topic is gone.
    const topicsFile = path.join(dataDir, '__meta', 'topics.json');
    const meta = JSON.parse(fs.readFileSync(topicsFile, 'utf8'));
    meta.topics = meta.topics.filter((t: { name: string }) => t.name !== 'gone');
    fs.writeFileSync(topicsFile, JSON.stringify(meta));
    fs.mkdirSync(path.join(dataDir, 'empty-3')); // a creation cut short before partition.metadata was written
    fs.mkdirSync(path.join(dataDir, 'kept-0.0123456789abcdef-delete'));
    fs.writeFileSync(path.join(dataDir, 'kept-0.0123456789abcdef-delete', '00000000000000000000.log'), '');
    // Segment files but no partition.metadata and no topic: written by someone, but not provably by us.
    fs.mkdirSync(path.join(dataDir, 'old-0'));
    fs.writeFileSync(path.join(dataDir, 'old-0', '00000000000000000000.log'), 'x');
    // Not a partition name at all.
    fs.mkdirSync(path.join(dataDir, 'backups'));
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(dataDir, 'photos.0123456789abcdef-delete')); // "-delete", but not a partition's rename

    const logger = captureLogger();
    const again = await openManager(dataDir, { logger });
    await again.close(); // waits for background removals
    const left = fs.readdirSync(dataDir).sort();
    expect(left).not.toContain('gone-0');
    expect(left).not.toContain('gone-1');
    expect(left).not.toContain('empty-3');
    expect(left).not.toContain('kept-0.0123456789abcdef-delete');
    for (const name of ['kept-0', 'old-0', 'backups', 'notes.txt', 'photos.0123456789abcdef-delete']) expect(left).toContain(name);
    expect(fs.readFileSync(path.join(dataDir, 'old-0', '00000000000000000000.log'), 'utf8')).toBe('x');
    for (const name of ['old-0', 'backups', 'notes.txt', 'photos.0123456789abcdef-delete']) {
      expect(logger.lines.filter((l) => l.startsWith('warn ') && l.includes(path.join(dataDir, name)) && l.includes('alone'))).toHaveLength(1);
    }
    expect(logger.lines.some((l) => l.includes('removing gone-1'))).toBe(true);
  });

  it('writes partition.metadata into partitions that lack it (data written before it existed)', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const { id } = m.createTopic('orders', 2);
    appendBatch(m.partition('orders', 0)!, makeBatch(2));
    await m.close();
    for (const p of [0, 1]) fs.rmSync(path.join(dataDir, `orders-${p}`, 'partition.metadata'));
    const again = await openManager(dataDir);
    for (const p of [0, 1]) expect(metadataOf(path.join(dataDir, `orders-${p}`))).toBe(`version: 0\ntopic_id: ${id.toString('base64url')}\n`);
    expect(again.partition('orders', 0)!.logEndOffset).toBe(2);
  });

  it('refuses a partition directory whose partition.metadata names another topic id', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    m.createTopic('orders', 1);
    await m.close();
    fs.writeFileSync(path.join(dataDir, 'orders-0', 'partition.metadata'), `version: 0\ntopic_id: ${Buffer.alloc(16, 7).toString('base64url')}\n`);
    await expect(openManager(dataDir)).rejects.toThrow(/orders-0 belongs to topic id .* move the directory/);
  });

  it('rebuilds topics without topics.json only from directories holding partition files, keeping their topic ids', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    const { id } = m.createTopic('a', 3);
    appendBatch(m.partition('a', 1)!, makeBatch(2));
    await m.close();
    fs.rmSync(path.join(dataDir, '__meta', 'topics.json'));
    plantAgentDir(dataDir);
    fs.mkdirSync(path.join(dataDir, 'photos-2024')); // named like a partition, holds nothing of ours
    fs.writeFileSync(path.join(dataDir, 'photos-2024', 'beach.jpg'), 'jpeg');
    const logger = captureLogger();
    const again = await openManager(dataDir, { logger });
    expect(again.listTopics().map((t) => t.name)).toEqual(['a']);
    expect(again.getTopic('a')!.partitions).toBe(3);
    expect(again.getTopic('a')!.id.equals(id)).toBe(true);
    expect(again.partition('a', 1)!.logEndOffset).toBe(2);
    expect(logger.lines.some((l) => l.includes('rebuilt 1 topic(s)'))).toBe(true);
    await again.close();
    expect(fs.existsSync(path.join(dataDir, 'photos-2024', 'beach.jpg'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'agent-web-01', 'checkpoint.json'))).toBe(true);
  });

  it('creates a topic over the remains of a deleted one, but never over a foreign directory', async () => {
    const dataDir = tempDir();
    const m = await openManager(dataDir);
    // Remains of an earlier topic "t" whose directory could not be renamed away (Windows keeps open files).
    fs.mkdirSync(path.join(dataDir, 't-0'));
    fs.writeFileSync(path.join(dataDir, 't-0', 'partition.metadata'), `version: 0\ntopic_id: ${Buffer.alloc(16, 9).toString('base64url')}\n`);
    fs.writeFileSync(path.join(dataDir, 't-0', '00000000000000000000.log'), 'old');
    const t = m.createTopic('t', 1);
    expect(fs.readdirSync(path.join(dataDir, 't-0'))).toEqual(['partition.metadata']);
    expect(metadataOf(path.join(dataDir, 't-0'))).toContain(t.id.toString('base64url'));

    fs.mkdirSync(path.join(dataDir, 'u-0'));
    fs.writeFileSync(path.join(dataDir, 'u-0', 'mine.txt'), 'keep');
    expect(() => m.createTopic('u', 1)).toThrow(/u-0 already exists and was not made by Tributary/);
    expect(m.getTopic('u')).toBeUndefined();
    expect(fs.readFileSync(path.join(dataDir, 'u-0', 'mine.txt'), 'utf8')).toBe('keep');
  });
});

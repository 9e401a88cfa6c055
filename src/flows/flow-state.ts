import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';

export const FLOWS_STATE_FILE = path.join('__meta', 'flows-state.json');

/**
 * Each flow's positions (next source offset per partition), rewritten whole and atomically. The HTTP target's only
 * record of progress; for the others a floor below what the target itself says (written after the target stored the
 * records, so never ahead of it).
 */
export class FlowState {
  private readonly positions: Record<string, Record<string, number>>;
  private writing: Promise<void> = Promise.resolve();
  private pending: Promise<void> | null = null;

  constructor(private readonly dataDir: string) {
    let parsed: unknown = {};
    try {
      parsed = JSON.parse(fs.readFileSync(path.join(dataDir, FLOWS_STATE_FILE), 'utf8'));
    } catch {
      // none yet (or unreadable: positions then come from the targets, or the sources' start)
    }
    this.positions = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, Record<string, number>>) : {};
  }

  get(flow: string, partition: number): number | undefined {
    const v = this.positions[flow]?.[String(partition)];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  }

  set(flow: string, partition: number, position: number): void {
    (this.positions[flow] ??= {})[String(partition)] = position;
  }

  forget(flow: string): Promise<void> {
    delete this.positions[flow];
    return this.save();
  }

  /** Writes the positions; calls made while a write waits share the next one. */
  save(): Promise<void> {
    this.pending ??= this.writing.then(() => {
      this.pending = null;
      return writeFileAtomic(path.join(this.dataDir, FLOWS_STATE_FILE), `${JSON.stringify(this.positions)}\n`);
    });
    this.writing = this.pending.catch(() => undefined);
    return this.pending;
  }
}

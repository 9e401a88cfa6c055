import fs from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import type { Logger } from './logger.js';

/**
 * A change through the API to an entry the config file sets (those are read-only there): the request is well formed
 * but the entry's origin forbids it, so the API answers 409 with this message, which says where to change it.
 */
export class ReadOnlyEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadOnlyEntryError';
  }
}

export interface SavedRegistryOptions<T extends { name: string }> {
  /** What an entry is, for messages: `flow`, `connection`. */
  kind: string;
  /** The JSON file of the entries saved through the API. */
  file: string;
  /** Names the config file sets: read-only, and a saved entry of the same name is shadowed (with a warning). */
  configured: Iterable<string>;
  /** The saved entries from the file's parsed JSON; throws when the document as a whole is not one it can read. */
  decode(doc: unknown): T[];
  /** The JSON document that holds `saved` (only what the user wrote: nothing resolved from elsewhere). */
  encode(saved: readonly T[]): unknown;
  log: Logger;
}

/**
 * The entries of one kind saved through the API beside those of the config file: read at start (a file that cannot be
 * read is moved aside to `.bad` and logged, never fatal), rewritten whole and atomically on every change, changes
 * written in order.
 */
export class SavedRegistry<T extends { name: string }> {
  private readonly fromConfig: Set<string>;
  private saved: T[];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly o: SavedRegistryOptions<T>) {
    this.fromConfig = new Set(o.configured);
    this.saved = this.read().filter((e) => {
      if (!this.fromConfig.has(e.name)) return true;
      o.log.warn(`${o.kind} ${e.name} saved through the API is shadowed by the config file's ${o.kind} of that name`);
      return false;
    });
  }

  /** The saved entries, as read at start and changed since. */
  entries(): readonly T[] {
    return this.saved;
  }

  origin(name: string): 'config' | 'api' {
    return this.fromConfig.has(name) ? 'config' : 'api';
  }

  /** Throws ReadOnlyEntryError when the config file sets `name`; `verb` says what to do there (change, remove). */
  assertWritable(name: string, verb: string): void {
    if (this.fromConfig.has(name)) throw new ReadOnlyEntryError(`${this.o.kind} ${name} is set in the config file; ${verb} it there`);
  }

  /** Adds or replaces the saved entry of that name and writes the file. */
  put(entry: T): Promise<void> {
    this.saved = [...this.saved.filter((e) => e.name !== entry.name), entry];
    return this.persist();
  }

  /** Drops the saved entry of that name and writes the file. */
  remove(name: string): Promise<void> {
    this.saved = this.saved.filter((e) => e.name !== name);
    return this.persist();
  }

  /** Resolves once every change so far is written. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private read(): T[] {
    const { file, kind, log } = this.o;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      return this.o.decode(JSON.parse(text));
    } catch (e) {
      // Kept aside rather than lost or fatal: the app starts, the user sees what happened.
      fs.renameSync(file, `${file}.bad`);
      log.error(`${file} could not be read (${(e as Error).message}); moved to ${file}.bad, no saved ${kind}s loaded`);
      return [];
    }
  }

  private persist(): Promise<void> {
    const body = `${JSON.stringify(this.o.encode(this.saved), null, 2)}\n`;
    const run = this.writing.then(() => writeFileAtomic(this.o.file, body));
    // One failed write (a full disk) fails its own change only; the next change writes the whole list again.
    this.writing = run.catch(() => undefined);
    return run;
  }
}

/** For `decode`: the document must be a JSON object (name → entry). */
export function asObject(doc: unknown): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
  return doc as Record<string, unknown>;
}

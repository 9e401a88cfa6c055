import fs from 'node:fs';
import { writeFileAtomic } from '../common/atomic-file.js';

/** The parsed file, null when there is none; a file that is not JSON is kept aside (`.bad`) rather than lost. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    fs.renameSync(file, `${file}.bad`);
    return null;
  }
}

/**
 * Writes a JSON file atomically (temp file, fsync, rename, fsync of the directory: a crash leaves the old content or
 * the new), one write at a time; saves asked for during a write are coalesced into one more write of the latest
 * content.
 */
export class JsonFileWriter {
  private writing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly file: string,
    private readonly content: () => unknown,
  ) {}

  save(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.again = false;
          await writeFileAtomic(this.file, JSON.stringify(this.content()));
        } while (this.again);
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }
}

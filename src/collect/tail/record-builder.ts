import type { SourcedRecord } from '../record.js';
import { parseJsonLine } from './json-line.js';
import { detectLevel } from '../../common/level/index.js';
import type { ResolvedTailerOptions } from './options.js';
import { parseTimestamp } from './timestamp.js';

/** Turns a line (or joined multiline text) into a record, parsing only what the options ask for. */
export class RecordBuilder {
  private readonly host: string;
  private readonly agent: string;
  private readonly json: boolean;
  private readonly level: boolean;
  private readonly timestamp: boolean;

  constructor(opts: Pick<ResolvedTailerOptions, 'host' | 'agentName' | 'parse'>) {
    this.host = opts.host;
    this.agent = opts.agentName;
    this.json = opts.parse.json;
    this.level = opts.parse.level;
    this.timestamp = opts.parse.timestamp;
  }

  /** `startOffset`..`endOffset`: the bytes of the file the record covers (see FilePosition). */
  build(text: string, path: string, fileId: string, endOffset: number, readTime: number, startOffset?: number): SourcedRecord {
    let timestamp = readTime;
    let level: string | undefined;
    const fields = this.json && text.charCodeAt(0) === 123 ? parseJsonLine(text, readTime) : undefined;
    if (fields) {
      if (fields.timestamp !== undefined) timestamp = fields.timestamp;
      level = fields.level;
    } else {
      if (this.timestamp) timestamp = parseTimestamp(text, readTime) ?? readTime;
      if (this.level) level = detectLevel(text);
    }
    const headers: Record<string, string> =
      level === undefined ? { host: this.host, agent: this.agent, path } : { host: this.host, agent: this.agent, path, level };
    return { value: text, key: path, timestamp, headers, position: startOffset === undefined ? { fileId, path, offset: endOffset } : { fileId, path, offset: endOffset, start: startOffset } };
  }
}

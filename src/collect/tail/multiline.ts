import { DEFAULT_CONTINUE_PATTERN, type ResolvedMultiline } from './options.js';
import { truncationMarker } from './truncate.js';

/**
 * Joins continuation lines into the record before them (stack traces, tracebacks). A record is handed out when the
 * next record starts or on flush() (its file went quiet or was finished), never half-way: its offset is the end of its
 * last line, so a record still pending at a crash is read again whole.
 *
 * Without a startPattern, Python tracebacks get extra care: after "Traceback (most recent call last):" and its indented
 * frames, the unindented exception line ("ValueError: boom") joins and ends the block; blank lines followed by "During
 * handling of the above exception…" / "The above exception was the direct cause…" and the next "Traceback…" chain
 * onto it. Blank lines held after an exception that turn out not to be followed by a chain are dropped.
 */
export type RecordHandler = (text: string, endOffset: number) => void;

/**
 * The multiline patterns are the user's own regular expressions, and a backtracking regex can be polynomial or worse
 * in the length of what it is tested on. They are tested on at most this many characters at the start of a line, so
 * a long line costs no more than a short one (`$` then means the end of that prefix).
 */
export const PATTERN_CHARS = 1024;

/** The part of a line the multiline patterns see. */
export function patternSubject(line: string): string {
  return line.length > PATTERN_CHARS ? line.slice(0, PATTERN_CHARS) : line;
}

const TRACEBACK = 'Traceback (most recent call last):';
const CHAINS = new Set([
  'During handling of the above exception, another exception occurred:',
  'The above exception was the direct cause of the following exception:',
]);

const enum Py {
  None,
  /** Inside "Traceback…" and its indented frames: the next unindented line is the exception. */
  Frames,
  /** After the exception line: blank lines and a chain phrase may still follow. */
  Raised,
  /** After a chain phrase: blank lines and the next "Traceback…" join. */
  Chained,
}

const enum Verdict {
  Join,
  /** A blank line that joins only if the record continues after it. */
  Hold,
  Start,
}

export class MultilineJoiner {
  private lines: string[] = [];
  /** UTF-8 bytes of the kept lines including the \n between them. */
  private bytes = 0;
  /** Bytes of the record left out because it grew past maxBytes. */
  private dropped = 0;
  private endOffset = 0;
  private py = Py.None;
  /** Blank lines held back until we know whether the record continues, and where the last of them ends. */
  private held = 0;
  private heldEnd = 0;
  private readonly start: RegExp | null;
  private readonly cont: RegExp | null;

  constructor(opts: ResolvedMultiline, private readonly maxBytes: number, private readonly onRecord: RecordHandler) {
    this.start = opts.startPattern;
    this.cont = opts.continuePattern ?? (opts.startPattern ? null : DEFAULT_CONTINUE_PATTERN);
  }

  get pending(): boolean {
    return this.lines.length > 0;
  }

  /** Adds one line (already cut to maxBytes with its marker if it was longer; `lineBytes` is its original size). */
  push(line: string, lineBytes: number, endOffset: number): void {
    if (this.lines.length > 0) {
      const v = this.verdict(line);
      if (v === Verdict.Hold) {
        this.held++;
        this.heldEnd = endOffset;
        return;
      }
      if (v === Verdict.Join) {
        for (; this.held > 0; this.held--) this.add('', 0);
        this.add(line, lineBytes);
        this.endOffset = endOffset;
        return;
      }
      this.flush();
    }
    this.py = line.startsWith(TRACEBACK) ? Py.Frames : Py.None;
    this.lines.push(line);
    this.bytes = Math.min(lineBytes, this.maxBytes);
    this.dropped = lineBytes - this.bytes;
    this.endOffset = endOffset;
  }

  /** Hands out the pending record, if any. */
  flush(): void {
    if (this.lines.length === 0) return;
    let text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('\n');
    if (this.dropped > 0 && this.lines.length > 1) text = cut(text, this.maxBytes, this.bytes + this.dropped);
    const endOffset = this.held > 0 ? this.heldEnd : this.endOffset;
    this.lines = [];
    this.bytes = 0;
    this.dropped = 0;
    this.held = 0;
    this.py = Py.None;
    this.onRecord(text, endOffset);
  }

  private add(line: string, lineBytes: number): void {
    if (this.dropped === 0 && this.bytes + 1 + lineBytes <= this.maxBytes) {
      this.lines.push(line);
      this.bytes += 1 + lineBytes;
    } else if (this.dropped === 0) {
      // Keep this line whole for now; flush() cuts the text to the exact size.
      this.lines.push(line);
      this.dropped = this.bytes + 1 + lineBytes - this.maxBytes;
      this.bytes = this.maxBytes;
    } else {
      this.dropped += 1 + lineBytes;
    }
  }

  private verdict(line: string): Verdict {
    const subject = patternSubject(line);
    if (this.start) return this.cont?.test(subject) || !this.start.test(subject) ? Verdict.Join : Verdict.Start;
    if (this.cont!.test(subject)) {
      if (this.py !== Py.None) this.py = Py.Frames;
      return Verdict.Join;
    }
    switch (this.py) {
      case Py.Frames:
        if (line === '') return Verdict.Start;
        this.py = Py.Raised;
        return Verdict.Join;
      case Py.Raised:
        if (line === '') return Verdict.Hold;
        if (CHAINS.has(line)) {
          this.py = Py.Chained;
          return Verdict.Join;
        }
        return Verdict.Start;
      case Py.Chained:
        if (line === '') return Verdict.Hold;
        if (line.startsWith(TRACEBACK)) {
          this.py = Py.Frames;
          return Verdict.Join;
        }
        return Verdict.Start;
      default:
        return Verdict.Start;
    }
  }
}

/** Cuts joined text to maxBytes including the marker, without splitting a character. */
function cut(text: string, maxBytes: number, totalBytes: number): string {
  const buf = Buffer.from(text);
  const room = maxBytes - Buffer.byteLength(truncationMarker(totalBytes));
  let keep = Math.max(0, Math.min(buf.length, room));
  while (keep > 0 && keep < buf.length && (buf[keep]! & 0xc0) === 0x80) keep--;
  return buf.toString('utf8', 0, keep) + truncationMarker(totalBytes - keep);
}

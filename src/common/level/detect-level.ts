/*
 * Finds a line's log level and names it ERROR, WARN, INFO, DEBUG, TRACE or FATAL. Looks at the start of the line only:
 *   - glog / klog:  E0501 12:00:00.123456 …   (I, W, E, F followed by MMDD)
 *   - an upper-case level word anywhere in the first 120 characters: ERROR, WARNING, ERR, CRIT, …
 *   - any case when it looks like a field: level=warn, lvl=info, severity=error, [info], <debug>, "level":"info"
 * A lower-case "error" inside a message is not a level, so "no error occurred" stays unlabelled.
 */

const SCAN_CHARS = 120;

const LEVELS = new Map<string, string>([
  ['FATAL', 'FATAL'],
  ['CRIT', 'FATAL'],
  ['CRITICAL', 'FATAL'],
  ['EMERG', 'FATAL'],
  ['EMERGENCY', 'FATAL'],
  ['ALERT', 'FATAL'],
  ['PANIC', 'FATAL'],
  ['ERROR', 'ERROR'],
  ['ERR', 'ERROR'],
  ['SEVERE', 'ERROR'],
  ['WARN', 'WARN'],
  ['WARNING', 'WARN'],
  ['INFO', 'INFO'],
  ['INFORMATION', 'INFO'],
  ['NOTICE', 'INFO'],
  ['DEBUG', 'DEBUG'],
  ['DBG', 'DEBUG'],
  ['TRACE', 'TRACE'],
  ['TRC', 'TRACE'],
]);

const GLOG: Record<string, string> = { I: 'INFO', W: 'WARN', E: 'ERROR', F: 'FATAL' };

/** The canonical upper-case level for a level word in any case ("warning" → WARN, glog's "E" → ERROR), or undefined. */
export function levelWord(word: string): string | undefined {
  const direct = LEVELS.get(word);
  if (direct !== undefined) return direct;
  if (word.length > 11) return undefined;
  return LEVELS.get(word.toUpperCase()) ?? GLOG[word.toUpperCase()];
}

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isWordChar = (c: number): boolean => isUpper(c) || isLower(c) || (c >= 48 && c <= 57) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** The level a log line states, or undefined. */
export function detectLevel(line: string): string | undefined {
  const g = glog(line);
  if (g) return g;
  const limit = Math.min(line.length, SCAN_CHARS);
  // A word that starts in the first SCAN_CHARS characters is read at most this far: longer ones are no level anyway,
  // so a line of a million letters costs no more than a short one.
  const wordLimit = Math.min(line.length, SCAN_CHARS + 12);
  let i = 0;
  while (i < limit) {
    const c = line.charCodeAt(i);
    if (!isUpper(c) && !isLower(c)) {
      i++;
      continue;
    }
    const start = i;
    let upper = true;
    for (; i < wordLimit; i++) {
      const d = line.charCodeAt(i);
      if (isLower(d)) upper = false;
      else if (!isUpper(d)) break;
    }
    const len = i - start;
    if (len < 3 || len > 11) continue;
    if (start > 0 && isWordChar(line.charCodeAt(start - 1))) continue;
    if (i < line.length && isWordChar(line.charCodeAt(i))) continue;
    if (upper) {
      const level = LEVELS.get(line.slice(start, i));
      if (level) return level;
    } else if (fieldLike(line, start, i)) {
      const level = levelWord(line.slice(start, i));
      if (level) return level;
    }
  }
  return undefined;
}

/** E0501 12:00:00.123456 1 file.go:12] message */
function glog(line: string): string | undefined {
  const level = GLOG[line[0] ?? ''];
  if (!level) return undefined;
  for (let i = 1; i <= 4; i++) if (!isDigit(line.charCodeAt(i))) return undefined;
  return line.charCodeAt(5) === 32 ? level : undefined;
}

/** `level=x`, `[x]`, `<x>`, `"level":"x"` — a word that sits where a level field would. */
function fieldLike(line: string, start: number, end: number): boolean {
  const before = start > 0 ? line.charCodeAt(start - 1) : 0;
  const after = end < line.length ? line.charCodeAt(end) : 0;
  if (before === 91 /* [ */ && after === 93 /* ] */) return true;
  if (before === 60 /* < */ && after === 62 /* > */) return true;
  if (before === 61 /* = */ || before === 34 /* " */ || before === 58 /* : */) {
    const head = line.slice(Math.max(0, start - 12), start).toLowerCase();
    return /(level|lvl|severity|loglevel)["']?\s*[=:]\s*["']?$/.test(head);
  }
  return false;
}

/**
 * The values of `key` in a logfmt line (Heroku, Go's slog/logrus/zap text output): pairs anywhere in the line, so a
 * timestamp or level word before them does not matter. Keys are runs of characters other than space, `=` and `"`;
 * values are bare (up to the next space) or "quoted" with backslash escapes (\" \\ \n \t \r). A key that repeats gives
 * all its values. One pass over the line; only the values asked for become strings. `until`, when given, is shown
 * each value as it is found and ends the walk when it returns true (a caller that needs only the first good value).
 */
export function logfmtValues(line: string, wanted: string, until?: (value: string) => boolean): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    // A key starts after a space (or at the start) and runs to '='.
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    const keyStart = i;
    while (i < n && !isSpace(line.charCodeAt(i)) && line[i] !== '=' && line[i] !== '"') i++;
    if (i >= n || line[i] !== '=' || i === keyStart) {
      // Not a pair: skip this word (and a quoted string in it, so its spaces do not start keys).
      while (i < n && !isSpace(line.charCodeAt(i))) i = line[i] === '"' ? quotedEnd(line, i + 1) : i + 1;
      continue;
    }
    const isWanted = i - keyStart === wanted.length && line.startsWith(wanted, keyStart);
    i++; // '='
    if (line[i] === '"') {
      const end = quotedEnd(line, i + 1);
      if (isWanted) {
        const v = unescape(line.slice(i + 1, end > n ? n : end - 1));
        out.push(v);
        if (until?.(v)) return out;
      }
      i = end;
    } else {
      const start = i;
      while (i < n && !isSpace(line.charCodeAt(i))) i++;
      if (isWanted) {
        const v = line.slice(start, i);
        out.push(v);
        if (until?.(v)) return out;
      }
    }
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index just past the quote closing a string whose contents start at `i` (n + 1 when it never closes). */
function quotedEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return s.length + 1;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

function unescape(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/gs, (m, c: string) => ESCAPES[c] ?? m) : s;
}

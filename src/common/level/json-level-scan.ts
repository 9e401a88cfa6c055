import { JSON_LEVEL_FIELDS, normalizeLevel, type LevelName } from './levels.js';

/*
 * The level of a JSON object log line read straight from its bytes, without JSON.parse: the index counts every
 * record by level, and building the object (every key and value a string) cost three quarters of the time a JSON line
 * takes to index. One pass validates the object with JSON's grammar and notes where the values of the top-level level
 * keys lie; nothing else is allocated.
 *
 * It answers only where the answer is certainly what RecordText.level() computes from JSON.parse: anything it does
 * not handle (a key or level value with escapes, a top-level key `log` that `log.level` would descend into, nesting
 * deeper than the parse allows, text that is not a valid JSON object) returns UNDECIDED and the caller takes the
 * general path. Being stricter than JSON.parse is safe; accepting what it rejects is not.
 */

export const UNDECIDED = undefined;

/**
 * JSON_LEVEL_FIELDS, in order. `log.level` matches only a top-level key spelled so; a top-level
 * `log` key (which the path would descend into) hands the line to the general path.
 */
const KEYS = JSON_LEVEL_FIELDS;
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'));

/** Deeper than this (record-text.ts refuses more than MAX_JSON_DEPTH = 100) is left to the general path. */
const MAX_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OBJECT = 1;
const ARRAY = 2;

// What the expected next token is.
const KEY_OR_CLOSE = 0;
const KEY = 1;
const COLON = 2;
const VALUE_OR_CLOSE = 3;
const VALUE = 4;
const AFTER_VALUE = 5;

/** Per KEYS index: where the last value of that top-level key starts and ends (-1: key absent). */
const valueStart = new Int32Array(KEYS.length);
const valueEnd = new Int32Array(KEYS.length);
/** Container kinds open at each depth (1: the top-level object). */
const stack = new Uint8Array(MAX_DEPTH + 2);

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * End of the number at `i` (one past it), or -1 when it is not one by JSON's grammar. Never reads at or past `n`:
 * the bytes may be one record's value inside a whole batch.
 */
function numberEnd(b: Buffer, i: number, n: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= n) return -1;
  if (b[i] === 0x30) i++;
  else if (b[i]! >= 0x31 && b[i]! <= 0x39) while (i < n && isDigit(b[i]!)) i++;
  else return -1;
  if (i < n && b[i] === 0x2e) {
    i++;
    if (i >= n || !isDigit(b[i]!)) return -1;
    while (i < n && isDigit(b[i]!)) i++;
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (i >= n || !isDigit(b[i]!)) return -1;
    while (i < n && isDigit(b[i]!)) i++;
  }
  return i;
}

/** `word` at `i`: one past it, or -1. */
function literalEnd(b: Buffer, i: number, n: number, word: string): number {
  if (i + word.length > n) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

function keyIndex(b: Buffer, from: number, to: number): number {
  const len = to - from;
  for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!;
    if (key.length !== len) continue;
    let j = 0;
    while (j < len && b[from + j] === key[j]) j++;
    if (j === len) return k;
  }
  return -1;
}

/**
 * Validates bytes [start, n) of `b` as one JSON object (JSON's grammar, depth at most MAX_DEPTH) and notes where the values of its
 * top-level level keys lie. False when it is not valid, or not decidable here (a top-level key with escapes, or `log`).
 * One function with local state: this loop is the whole cost of indexing a JSON line.
 */
function scan(b: Buffer, start: number, n: number): boolean {
  let i = start;
  while (i < n && isWs(b[i]!)) i++;
  if (i >= n || b[i] !== 0x7b) return false;
  i++;
  let depth = 1;
  stack[1] = OBJECT;
  let state = KEY_OR_CLOSE;
  let key = -1; // KEYS index of the top-level key whose value is being read
  let valueFrom = 0;
  for (;;) {
    while (i < n && isWs(b[i]!)) i++;
    if (i >= n) return false;
    const c = b[i]!;
    let valueDone = false;
    if (state === KEY_OR_CLOSE && c === 0x7d) {
      i++;
      depth--;
      valueDone = true;
    } else if (state === VALUE_OR_CLOSE && c === 0x5d) {
      i++;
      depth--;
      valueDone = true;
    } else if (state === AFTER_VALUE) {
      if (c === 0x2c) {
        i++;
        state = stack[depth] === OBJECT ? KEY : VALUE;
        continue;
      }
      if (c !== (stack[depth] === OBJECT ? 0x7d : 0x5d)) return false;
      i++;
      depth--;
      valueDone = true;
    } else if (state === COLON) {
      if (c !== 0x3a) return false;
      i++;
      state = VALUE;
      continue;
    } else if (c === QUOTE) {
      const from = i + 1;
      let escaped = false;
      i++;
      for (;;) {
        if (i >= n) return false;
        const d = b[i]!;
        if (d === QUOTE) break;
        if (d < 0x20) return false;
        if (d === BACKSLASH) {
          escaped = true;
          if (i + 1 >= n) return false;
          const e = b[i + 1];
          if (e === 0x75 /* u */) {
            if (i + 5 >= n || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!)) return false;
            i += 6;
          } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
            i += 2;
          } else return false;
        } else i++;
      }
      const to = i;
      i++;
      if (state === KEY_OR_CLOSE || state === KEY) {
        if (depth === 1) {
          // A key with escapes might spell a level key; `log` is one that `log.level` descends into.
          if (escaped || (to - from === 3 && b[from] === 0x6c && b[from + 1] === 0x6f && b[from + 2] === 0x67)) return false;
          key = keyIndex(b, from, to);
          valueFrom = -1;
        }
        state = COLON;
        continue;
      }
      if (depth === 1) valueFrom = from - 1;
      valueDone = true;
    } else if (state === KEY_OR_CLOSE || state === KEY) {
      return false;
    } else {
      // A value: a container opens, or a literal or number
      if (depth === 1) valueFrom = i;
      if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_DEPTH) return false;
        stack[depth] = c === 0x7b ? OBJECT : ARRAY;
        state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
        i++;
        continue;
      }
      const e =
        c === 0x74 ? literalEnd(b, i, n, 'true') : c === 0x66 ? literalEnd(b, i, n, 'false') : c === 0x6e ? literalEnd(b, i, n, 'null') : numberEnd(b, i, n);
      if (e < 0) return false;
      i = e;
      valueDone = true;
    }
    if (valueDone) {
      if (depth === 0) {
        while (i < n && isWs(b[i]!)) i++;
        return i === n;
      }
      if (depth === 1 && key >= 0) {
        valueStart[key] = valueFrom;
        valueEnd[key] = i;
        key = -1;
      }
      state = AFTER_VALUE;
    }
  }
}

/** The level a string or number value names (null: none); UNDECIDED for a string with escapes. */
function levelOfValue(b: Buffer, from: number, to: number): LevelName | null | typeof UNDECIDED {
  const c = b[from]!;
  if (c === QUOTE) {
    for (let j = from + 1; j < to - 1; j++) if (b[j] === BACKSLASH) return UNDECIDED;
    return normalizeLevel(b.toString('utf8', from + 1, to - 1));
  }
  if (c === 0x2d || isDigit(c)) return normalizeLevel(Number(b.toString('latin1', from, to)));
  return null; // true, false, null, an object or an array: not a level
}

/**
 * The level of `value` as RecordText.level() finds it for a JSON object line (headers aside), or UNDECIDED when this
 * scan cannot be sure (then parse).
 */
export function jsonLevelScan(value: Buffer, start = 0, end = value.length): LevelName | null | typeof UNDECIDED {
  valueStart.fill(-1);
  if (!scan(value, start, end)) return UNDECIDED;
  for (let k = 0; k < KEYS.length; k++) {
    if (valueStart[k]! < 0) continue;
    const l = levelOfValue(value, valueStart[k]!, valueEnd[k]!);
    if (l !== null) return l; // a level, or UNDECIDED
  }
  return null;
}

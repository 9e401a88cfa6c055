import { InvalidValueError, quote } from './invalid-value.js';

/**
 * One duration syntax for the command line and every config file: whole numbers with a unit, combinable as in
 * Prometheus and Go ("500ms", "15s", "2m", "1h30m", "1d", "1w"); in a config file a bare number means milliseconds.
 * No fractions ("1.5s"): write 1500ms. Linear in the input (one sticky regex pass).
 */
const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds. Accepts a non-negative whole number (already milliseconds) or a string with units. */
export function parseDuration(input: unknown): number {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input;
  const text = typeof input === 'string' ? input.trim() : '';
  const part = /(\d+)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(text); m !== null; m = part.exec(text)) {
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    consumed = part.lastIndex;
  }
  if (text === '' || consumed !== text.length) {
    throw new InvalidValueError(`${quote(input)} is not a duration; write a whole number with a unit, e.g. 500ms, 30s, 15m, 2h, 1d or 1h30m`, input);
  }
  if (!Number.isSafeInteger(total)) throw new InvalidValueError(`${quote(input)} is too long a duration`, input);
  return total;
}

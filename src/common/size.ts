import { InvalidValueError, quote } from './invalid-value.js';

/**
 * One size syntax: a number of bytes, or a number with a unit. KB/MB/GB are powers of 1000 and KiB/MiB/GiB powers of
 * 1024, as the units say (case does not matter, a space is allowed: "256MiB", "1 GiB", "500mb").
 */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Bytes. Accepts a non-negative whole number or a string like "256MiB" / "1.5 GB" / "4096". */
export function parseSize(input: unknown): number {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input;
  const m = typeof input === 'string' ? /^\s*(\d{1,20}(?:\.\d{1,20})?)\s*([a-zA-Z]{0,3})\s*$/.exec(input) : null;
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new InvalidValueError(`${quote(input)} is not a size; write it like 256MiB, 1GiB, 500MB or a number of bytes`, input);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new InvalidValueError(`${quote(input)} is too large a size`, input);
  return bytes;
}

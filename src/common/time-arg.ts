import { parseDuration } from './duration.js';
import { InvalidValueError } from './invalid-value.js';

/**
 * A point in time as people write it on the command line and in the API: ISO-8601 (2024-05-01T12:00:00Z), epoch
 * milliseconds, or a duration meaning "that long ago" (15m, 2h, 1d, 1h30m). Epoch ms; throws InvalidValueError.
 */
export function parseTimeArg(input: string, now: number = Date.now()): number {
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new InvalidValueError(`"${input}" is not a valid ISO-8601 time, e.g. 2024-05-01T12:00:00Z.`, input);
    return ms;
  }
  try {
    return now - parseDuration(text);
  } catch {
    throw new InvalidValueError(`"${input}" is not a time; use ISO-8601 (2024-05-01T12:00:00Z), epoch ms (1714564800000) or a duration ago (15m, 2h, 1d).`, input);
  }
}

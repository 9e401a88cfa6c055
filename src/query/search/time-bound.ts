import { parseDuration } from '../../common/duration.js';
import { SearchError } from './types.js';

/**
 * A `from`/`to` bound as the API takes it: ISO-8601 (`2024-05-01T12:00:00Z`), epoch milliseconds, or a duration
 * meaning that long before `now` (`15m`, `2h`, `7d`, `1h30m`). Resolved once, at the first page: the cursor carries the
 * numbers, so "the last 15 minutes" does not slide between pages.
 */
export function parseTimeBound(text: string, now = Date.now()): number {
  const t = text.trim();
  if (/^\d{1,16}$/.test(t)) return Number(t);
  if (/^\d+(ms|s|m|h|d|w)/.test(t)) {
    try {
      return now - parseDuration(t);
    } catch {
      // not a duration after all: maybe a date
    }
  }
  const ms = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(ms)) throw new SearchError(`'${text}' is not a time: write ISO-8601 (2024-05-01T12:00:00Z), epoch ms, or a duration ago (15m, 2h, 7d)`, 'invalid');
  return ms;
}

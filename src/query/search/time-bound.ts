import { InvalidValueError } from '../../common/invalid-value.js';
import { parseTimeArg } from '../../common/time-arg.js';
import { SearchError } from './types.js';

/**
 * A `from`/`to` bound as the API takes it, in the one time syntax of the CLI and the API (common/time-arg.ts):
 * ISO-8601, epoch milliseconds, or a duration meaning that long before `now` (`15m`, `2h`, `7d`, `1h30m`). Resolved
 * once, at the first page: the cursor carries the numbers, so "the last 15 minutes" does not slide between pages.
 */
export function parseTimeBound(text: string, now = Date.now()): number {
  try {
    return parseTimeArg(text, now);
  } catch (e) {
    if (e instanceof InvalidValueError) throw new SearchError(e.message, 'invalid');
    throw e;
  }
}

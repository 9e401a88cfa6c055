/**
 * Log levels as the query language sees them: every way the sources we ingest write a level, folded to six names.
 * The agent and the HTTP ingest write header `level` as FATAL/ERROR/WARN/INFO/DEBUG/TRACE; syslog writes `level`
 * from the severity (0-2 FATAL, 3 ERROR, 4 WARN, 5-6 INFO, 7 DEBUG) and `severity` as emerg…debug; JSON loggers write
 * words in any case, pino/bunyan numbers (10…60), Serilog `@l` (Verbose…Fatal), Java util logging FINE/FINER/FINEST.
 * The table is documented in docs/query.md; keep the two in step.
 */

export const LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];

const WORDS = new Map<string, LevelName>();
function add(level: LevelName, words: string): void {
  for (const w of words.split(' ')) WORDS.set(w, level);
}
add('fatal', 'fatal ftl f panic dpanic crit critical emerg emergency alert 0 1 2');
add('error', 'error err eror e severe 3');
add('warn', 'warn warning wrn w 4');
add('info', 'info inf information informational notice i 5 6');
add('debug', 'debug dbg d fine 7');
add('trace', 'trace trc t finer finest verbose vrb');

/** pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal (values in between round down). */
function numericLevel(n: number): LevelName | null {
  if (!Number.isFinite(n) || n < 0) return null;
  if (n <= 7 && Number.isInteger(n)) return WORDS.get(String(n)) ?? null; // a syslog severity
  if (n < 10) return null;
  return LEVEL_NAMES[Math.min(5, Math.floor(n / 10) - 1)]!;
}

/** The level a field value names, or null when it names none ("ERROR" → error, "warning" → warn, 50 → error). */
export function normalizeLevel(value: string | number): LevelName | null {
  if (typeof value === 'number') return numericLevel(value);
  const word = value.trim();
  if (word.length === 0 || word.length > 13) return null;
  const direct = WORDS.get(word) ?? WORDS.get(word.toLowerCase());
  if (direct) return direct;
  return /^\d+$/.test(word) ? numericLevel(Number(word)) : null;
}

/** trace 0 … fatal 5, for `level>=warn`. */
export function levelRank(level: LevelName): number {
  return LEVEL_NAMES.indexOf(level);
}

/**
 * Where a JSON line's level is looked for, in order, after the headers `level` and `severity`. Nested `log.level` is a
 * path too.
 */
export const JSON_LEVEL_FIELDS: readonly string[] = ['level', 'lvl', 'severity', 'loglevel', 'log.level', 'levelname', 'severity_text', '@l', 'LEVEL', 'Level', 'Severity'];

/** Field names that mean "the record's level": `level:error` compares normalised levels, not text. */
export const LEVEL_FIELDS: ReadonlySet<string> = new Set(['level', 'lvl', 'severity', 'loglevel', 'log.level', 'levelname', 'severity_text', '@l']);

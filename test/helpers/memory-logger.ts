import type { Logger } from '../../src/common/logger.js';

/** A logger that keeps every line, so tests can assert what was logged (and how often). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (l: string) => (msg: string) => void lines.push(`${l} ${msg}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

import type { Logger } from '../common/logger.js';

/**
 * A warning a hostile or misconfigured client can trigger thousands of times a second (refused connections, refused
 * topic creations): logged at most once per interval, with how many were left unlogged since.
 */
export class ThrottledWarning {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(message: string, now = Date.now()): void {
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more like it since the last such warning)` : '';
    this.suppressed = 0;
    this.lastAt = now;
    this.logger.warn(message + more);
  }
}

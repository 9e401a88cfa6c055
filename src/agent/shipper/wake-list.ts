/** Callers waiting for the sender to change state (a request answered, memory emptied, sending stopped). */
export class WakeList {
  private waiters: Array<() => void> = [];

  /** Resolves at the next wake(), or after `ms` when given. */
  next(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? null : setTimeout(resolve, ms);
      this.waiters.push(() => {
        if (timer) clearTimeout(timer);
        resolve();
      });
    });
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

// Bounded polling: every wait in a test has a deadline and says what it was waiting for when it gives up.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every `intervalMs` until it returns true; throws after `timeoutMs` with `what` and, if given,
 * `details()` (e.g. what was received so far).
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100, details }: { timeoutMs?: number; intervalMs?: number; details?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details ? `\n${details()}` : ''}`);
    await sleep(intervalMs);
  }
}

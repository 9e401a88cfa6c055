// Turns a line stream (stdin) into batches for the producer: a batch is sealed when it is full or when input has
// gone quiet for a moment, so piping a huge file sends big batches while typed lines go out almost immediately.
// Reading pauses while batches wait to be sent, so memory stays bounded however large the input is.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface BatchLimits {
  maxCount: number;
  /** Approximate: counts UTF-16 code units, which is close enough to keep requests under broker limits. */
  maxChars: number;
  /** How long a partial batch may wait for more lines. */
  lingerMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxCount: 1000, maxChars: 512 * 1024, lingerMs: 50 };

/** Batches that are sealed but not yet taken; beyond this, reading pauses until the sender catches up. */
const MAX_READY = 2;

export async function* lineBatches(
  input: Readable,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  signal?: AbortSignal,
): AsyncGenerator<string[]> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const ready: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;

  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const seal = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (current.length > 0) {
      ready.push(current);
      current = [];
      chars = 0;
      if (ready.length >= MAX_READY) lines.pause();
    }
    notify();
  };

  lines.on('line', (line) => {
    current.push(line);
    chars += line.length;
    if (current.length >= limits.maxCount || chars >= limits.maxChars) seal();
    else timer ??= setTimeout(seal, limits.lingerMs);
  });
  lines.on('close', () => {
    ended = true;
    seal();
  });
  input.on('error', (err) => {
    failure = err;
    lines.close();
  });
  // Stopping early (Ctrl-C) ends input like end-of-file: what was read is still sent.
  const onAbort = (): void => lines.close();
  signal?.addEventListener('abort', onAbort);

  try {
    for (;;) {
      const batch = ready.shift();
      if (batch) {
        if (ready.length < MAX_READY && !ended) lines.resume();
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    lines.close();
  }
}

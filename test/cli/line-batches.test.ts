import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineBatches } from '../../src/cli/line-batches.js';

const limits = { maxCount: 3, maxChars: 1_000, lingerMs: 20 };

async function collect(input: PassThrough, signal?: AbortSignal): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of lineBatches(input, limits, signal)) batches.push(batch);
  return batches;
}

describe('lineBatches', () => {
  it('splits input into full batches and sends the remainder at end of input', async () => {
    const input = new PassThrough();
    input.end('a\nb\nc\nd\ne\r\n\nlast without newline');
    expect(await collect(input)).toEqual([['a', 'b', 'c'], ['d', 'e', ''], ['last without newline']]);
  });

  it('seals a partial batch when input goes quiet', async () => {
    const input = new PassThrough();
    const batches = lineBatches(input, limits);
    input.write('typed\n');
    expect((await batches.next()).value).toEqual(['typed']); // arrives although the batch is not full
    input.end('more\n');
    expect((await batches.next()).value).toEqual(['more']);
    expect((await batches.next()).done).toBe(true);
  });

  it('seals a batch at the character limit', async () => {
    const input = new PassThrough();
    input.end(`${'x'.repeat(600)}\n${'y'.repeat(600)}\nz\n`);
    expect((await collect(input)).map((b) => b.length)).toEqual([2, 1]);
  });

  it('pauses reading while batches wait, so memory stays bounded', async () => {
    const input = new PassThrough({ highWaterMark: 16 });
    const batches = lineBatches(input, limits);
    const first = batches.next();
    let accepted = 0;
    while (input.write('line\n') && accepted < 10_000) accepted++;
    expect(accepted).toBeLessThan(10_000); // the reader stopped pulling: backpressure reached the writer
    await first;
    input.end();
    for await (const _ of batches); // drain
  });

  it('stops like end of input when aborted, keeping what was read', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const done = collect(input, controller.signal);
    input.write('one\ntwo\n');
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await done).flat()).toEqual(['one', 'two']);
  });
});

// The worker thread that builds token-index blocks (started by worker-executor.ts, one per broker): it tokenizes and
// decompresses the log bytes the broker thread reads for it, so produce and fetch never wait for indexing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { BlockBuilder, BlockFormatError } from './block-builder.js';

/**
 * Indexing may lag, produce may not: on Linux this thread lowers its own scheduling priority to nice 19, so it runs on
 * what the broker's thread and its clients leave idle (a 2-core machine producing flat out indexes mostly after the
 * burst). setpriority on a thread id applies to that thread only; elsewhere this is a no-op.
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) os.setPriority(tid, os.constants.priority.PRIORITY_LOW);
  } catch {
    // not Linux, or not allowed: run at normal priority
  }
}
lowerOwnPriority();

export type WorkerRequest =
  | { type: 'begin'; segmentBase: number; start: number; blockBytes: number }
  | { type: 'push'; buf: Uint8Array; filePos: number }
  | { type: 'finish' };

export type WorkerReply =
  | { type: 'pushed'; consumedTo: number; need: number; complete: boolean; buf: Uint8Array }
  | { type: 'finished'; entry: Uint8Array | null; levels: Uint8Array | null }
  | { type: 'error'; message: string; format: boolean };

let builder: BlockBuilder | null = null;
const port = parentPort;

port?.on('message', (m: WorkerRequest) => {
  try {
    if (m.type === 'begin') {
      builder?.release();
      builder = new BlockBuilder(m.segmentBase, m.start, m.blockBytes);
      return;
    }
    if (!builder) throw new Error('no block begun');
    if (m.type === 'push') {
      const buf = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      const r = builder.push(buf, m.filePos); // keeps no view of buf
      // The piece goes back to the broker thread: left here, each one (up to 1 MiB, allocated there) stayed alive until
      // this thread's next GC, which its small JS heap seldom triggers — tens of MB of dead pieces held in the broker's
      // RSS and arrayBuffers. Back there it is ordinary garbage of the thread that allocates them.
      port.postMessage({ type: 'pushed', ...r, buf: m.buf } satisfies WorkerReply, [m.buf.buffer as ArrayBuffer]);
      return;
    }
    const done = builder.finish();
    builder = null;
    const entry = done ? new Uint8Array(done.entry.buffer, done.entry.byteOffset, done.entry.byteLength) : null;
    const levels = done?.levels ?? null; // its own buffer (RecordLevelsBuilder.result)
    const transfer = [entry && entry.byteLength === entry.buffer.byteLength ? (entry.buffer as ArrayBuffer) : null, levels ? (levels.buffer as ArrayBuffer) : null].filter((b) => b !== null);
    port.postMessage({ type: 'finished', entry, levels } satisfies WorkerReply, transfer);
  } catch (err) {
    builder?.release();
    builder = null;
    port.postMessage({ type: 'error', message: (err as Error).message, format: err instanceof BlockFormatError } satisfies WorkerReply);
  }
});

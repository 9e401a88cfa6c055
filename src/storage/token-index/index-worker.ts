// The worker thread that builds token-index blocks (started by worker-executor.ts, one per broker): it tokenizes and
// decompresses the log bytes the broker thread reads for it, so produce and fetch never wait for indexing.
import { parentPort } from 'node:worker_threads';
import { BlockBuilder, BlockFormatError } from './block-builder.js';

export type WorkerRequest =
  | { type: 'begin'; segmentBase: number; start: number; blockBytes: number }
  | { type: 'push'; buf: Uint8Array; filePos: number }
  | { type: 'finish' };

export type WorkerReply =
  | { type: 'pushed'; consumedTo: number; need: number; complete: boolean }
  | { type: 'finished'; entry: Uint8Array | null }
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
      port.postMessage({ type: 'pushed', ...builder.push(buf, m.filePos) } satisfies WorkerReply);
      return;
    }
    const done = builder.finish();
    builder = null;
    const entry = done ? new Uint8Array(done.entry.buffer, done.entry.byteOffset, done.entry.byteLength) : null;
    port.postMessage({ type: 'finished', entry } satisfies WorkerReply, entry && entry.byteLength === entry.buffer.byteLength ? [entry.buffer as ArrayBuffer] : []);
  } catch (err) {
    builder?.release();
    builder = null;
    port.postMessage({ type: 'error', message: (err as Error).message, format: err instanceof BlockFormatError } satisfies WorkerReply);
  }
});

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PushResult } from './block-builder.js';
import { BlockFormatError, type BlockExecutor, type BuiltBlock } from './block-executor.js';
import type { WorkerReply, WorkerRequest } from './index-worker.js';

/** The compiled worker beside this module; absent when running from TypeScript sources (tests), see workerScript(). */
const DEFAULT_SCRIPT = new URL('./index-worker.js', import.meta.url);

/** The worker's script if it exists (a built tree), else null: the caller then builds on its own thread. */
export function workerScript(): string | null {
  const file = fileURLToPath(DEFAULT_SCRIPT);
  return fs.existsSync(file) ? file : null;
}

/** A piece handed to the worker is a whole block: one message and one reply per block. */
const WORKER_PIECE_BYTES = 1024 * 1024 + 64 * 1024;

/** The worker thread could not be started or died: the block was not built (the log is not to blame). */
export class WorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerError';
  }
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

/**
 * Builds blocks in one worker thread. The worker is started on first use and unref'd (an idle index never keeps the
 * process alive); if it dies, the block in hand fails and the next one starts a new worker.
 */
export class WorkerExecutor implements BlockExecutor {
  readonly pieceBytes = WORKER_PIECE_BYTES;
  private worker: Worker | null = null;
  private pending: Pending | null = null;
  /** The last piece the worker handed back, until spare() gives it out; then the buffer it lent, until pushed again. */
  private returned: Buffer | undefined;
  private lent: ArrayBufferLike | undefined;

  constructor(private readonly script: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    let w: Worker;
    try {
      w = new Worker(this.script);
    } catch (err) {
      throw new WorkerError(`cannot start the token index worker ${this.script}: ${(err as Error).message}`, { cause: err });
    }
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const p = this.pending;
      this.pending = null;
      p?.resolve(m);
    });
    const fail = (cause: Error) => {
      const err = cause instanceof WorkerError ? cause : new WorkerError(`the token index worker failed: ${cause.message}`, { cause });
      if (this.worker === w) this.worker = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new WorkerError(`the token index worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private send(m: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.start().postMessage(m, transfer);
  }

  private request(m: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.pending) return Promise.reject(new Error('the token index worker is busy'));
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      try {
        this.send(m, transfer);
      } catch (err) {
        this.pending = null;
        reject(err);
      }
    }).then((r) => {
      if (r.type === 'error') throw r.format ? new BlockFormatError(r.message) : new Error(r.message);
      return r;
    });
  }

  begin(segmentBase: number, start: number, blockBytes: number): void {
    this.send({ type: 'begin', segmentBase, start, blockBytes });
  }

  async push(buf: Buffer, filePos: number): Promise<PushResult> {
    // A buffer that owns its whole ArrayBuffer (or a view of the start of the one spare() lent) moves to the worker
    // without a copy; a view of a shared one is copied.
    const own = buf.byteOffset === 0 && (buf.byteLength === buf.buffer.byteLength || buf.buffer === this.lent);
    this.lent = undefined;
    const bytes = own ? new Uint8Array(buf.buffer, 0, buf.byteLength) : new Uint8Array(buf);
    const r = await this.request({ type: 'push', buf: bytes, filePos }, [bytes.buffer as ArrayBuffer]);
    if (r.type !== 'pushed') throw new Error(`unexpected reply ${r.type} from the token index worker`);
    // Back whole (the worker keeps nothing of it): the next piece is read into it instead of a new ~1 MiB buffer.
    this.returned = Buffer.from(r.buf.buffer as ArrayBuffer);
    return { consumedTo: r.consumedTo, need: r.need, complete: r.complete };
  }

  spare(): Buffer | undefined {
    const b = this.returned;
    this.returned = undefined;
    if (b) this.lent = b.buffer;
    return b;
  }

  async finish(): Promise<BuiltBlock | null> {
    const r = await this.request({ type: 'finish' });
    if (r.type !== 'finished') throw new Error(`unexpected reply ${r.type} from the token index worker`);
    return r.entry ? { entry: Buffer.from(r.entry.buffer, r.entry.byteOffset, r.entry.byteLength), levels: r.levels } : null;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

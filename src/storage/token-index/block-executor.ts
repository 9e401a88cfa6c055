import { BlockBuilder, BlockFormatError, type PushResult } from './block-builder.js';

/**
 * Where blocks are built: a worker thread (index-worker.ts) or, when none can be started, this thread in small
 * slices. One block at a time: begin, push pieces of the log in order, finish. The encoded entry comes back.
 */
export interface BlockExecutor {
  /** Bytes per piece the driver should read (a worker takes whole blocks; this thread small slices). */
  readonly pieceBytes: number;
  begin(segmentBase: number, start: number, blockBytes: number): void;
  /** May take `buf` over (transferred to a worker): the caller must not use it afterwards. */
  push(buf: Buffer, filePos: number): Promise<PushResult>;
  /**
   * A buffer the next piece may be read into (the last piece, back from the worker), or undefined; given once. Pushing
   * a view of it from its start hands the whole buffer over again without a copy.
   */
  spare(): Buffer | undefined;
  /** The encoded entry of the block so far and its records' levels (record-levels.ts), or null if it is empty. */
  finish(): Promise<BuiltBlock | null>;
  close(): Promise<void>;
}

export { BlockFormatError };

/** A finished block: its sidecar entry, and the level of each of its records by offset (null: not known). */
export interface BuiltBlock {
  entry: Buffer;
  levels: Uint8Array | null;
}

/** Slices of the log tokenized per event-loop turn on this thread: ~1 ms of work each. */
const INLINE_PIECE_BYTES = 128 * 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Builds on this thread, one slice per event-loop turn, so appends and fetches run between slices. */
export class InlineExecutor implements BlockExecutor {
  readonly pieceBytes = INLINE_PIECE_BYTES;
  private builder: BlockBuilder | null = null;

  begin(segmentBase: number, start: number, blockBytes: number): void {
    this.builder?.release();
    this.builder = new BlockBuilder(segmentBase, start, blockBytes);
  }

  async push(buf: Buffer, filePos: number): Promise<PushResult> {
    await nextTurn();
    return this.current().push(buf, filePos);
  }

  /** None: pieces here are small, and the builder may still look at the last one. */
  spare(): undefined {
    return undefined;
  }

  async finish(): Promise<BuiltBlock | null> {
    await nextTurn();
    const done = this.current().finish();
    this.builder = null;
    return done ? { entry: done.entry, levels: done.levels } : null;
  }

  private current(): BlockBuilder {
    if (!this.builder) throw new Error('no block begun');
    return this.builder;
  }

  async close(): Promise<void> {
    this.builder?.release();
    this.builder = null;
  }
}

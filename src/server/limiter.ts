import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ApiError } from './errors.js';

/**
 * At most `max` expensive requests at once (browsing, searches, exports); one more is answered 429 with Retry-After
 * at once rather than queued, so a burst of clients cannot pile up work (or memory) the server would carry for them.
 */
export class ConcurrencyLimiter {
  private running = 0;
  rejected = 0;

  constructor(
    readonly max: number,
    /** Seconds a refused client is told to wait. */
    readonly retryAfterSeconds = 1,
    /** Named in the 429 message, e.g. "searches". */
    readonly what = 'requests like this',
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency limit must be a whole number of at least 1, got ${max}`);
  }

  get active(): number {
    return this.running;
  }

  /** A release function, or null when `max` are running. Release exactly once. */
  tryAcquire(): (() => void) | null {
    if (this.running >= this.max) {
      this.rejected++;
      return null;
    }
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }

  busyError(): ApiError {
    return new ApiError(429, 'TOO_MANY_REQUESTS', `the server is busy with ${this.max} ${this.what} at once; retry in ${this.retryAfterSeconds} s`, {
      'Retry-After': String(this.retryAfterSeconds),
    });
  }

  /**
   * A route preHandler: holds a slot from before the handler runs until the response has been sent or the client has
   * gone (a streamed answer keeps its slot while it streams).
   */
  hook(): preHandlerAsyncHookHandler {
    return async (_req: FastifyRequest, reply: FastifyReply) => {
      const release = this.tryAcquire();
      if (!release) throw this.busyError();
      // 'close' comes once the response is sent, or when the client went away first.
      reply.raw.once('close', release);
    };
  }
}

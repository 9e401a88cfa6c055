import type { FastifyReply } from 'fastify';

/** Aborted when the client goes away before the answer is complete: a closed client cancels its scan. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) ac.abort();
  };
  // The response's 'close' comes when it was sent, or when the connection went away first (then it is unfinished).
  reply.raw.once('close', onClose);
  return ac.signal;
}

import type {} from '@fastify/websocket'; // the websocket route option and handler types
import type { FastifyInstance } from 'fastify';
import { SearchError } from '../../query/search/index.js';
import { DEFAULT_TAIL_BUFFER_BYTES, DEFAULT_TAIL_MAX_LAG, MAX_TAIL_LAST, TailHub, TailSession } from '../../query/tail/index.js';
import { wsTokenQuery } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Tails at once over all clients; one more is refused (close code 1013, "try again later"). */
export const MAX_TAIL_CLIENTS = 100;

export async function tailRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { services: s } = ctx;
  let clients = 0;
  // Created on first use: building the OpenAPI document registers routes without services.
  let hub: TailHub | null = null;
  app.get(
    '/api/v1/tail',
    {
      websocket: true,
      schema: {
        tags: ['search'],
        summary: 'WebSocket: live tail of topics, optionally filtered by a query, from now or from the last N matches',
        description:
          'Messages (JSON text): first {"type":"subscribed","topics","partitions":[{topic,partition,offset}]}, then {"type":"records","records":[{topic,partition,offset,timestamp,key,headers,value}]} ' +
          `as records arrive (the backlog of last=N first, oldest first). Clients with the same topics and query share one reader and one encoding. A client that reads too slowly is never waited for: while more than ${DEFAULT_TAIL_BUFFER_BYTES} bytes wait in its ` +
          'socket, records that arrive are not sent to it but counted, and it is told before anything newer of that partition (or as soon as its socket drains): ' +
          `{"type":"skipped","topic","partition","count","fromOffset","toOffset","reason"} (count: exactly the records not sent; nothing is dropped silently). When every client of a feed is that slow, the log holds up to ${DEFAULT_TAIL_MAX_LAG} records per partition for them, then skips likewise, as when a producer outruns the 10 % of the broker's time all tails may spend (a quarter of that while the machine is saturated). ` +
          'Errors: {"type":"error","error":{"code","message"}} and the socket closes (1008 for a bad request).',
        querystring: {
          type: 'object',
          required: ['topics'],
          properties: {
            topics: { type: 'string', minLength: 1, maxLength: 65536, description: 'comma-separated topics' },
            q: { type: 'string', maxLength: 8192, default: '', description: 'only records matching this query' },
            last: { type: 'integer', minimum: 0, maximum: MAX_TAIL_LAST, default: 0, description: 'start with the last N matching records' },
            ...wsTokenQuery,
          },
        },
      },
    },
    (socket, req) => {
      const q = req.query as { topics: string; q: string; last: number };
      if (clients >= MAX_TAIL_CLIENTS) {
        socket.send(JSON.stringify({ type: 'error', error: { code: 'TOO_MANY_REQUESTS', message: `${MAX_TAIL_CLIENTS} tails are open; close one or retry later` } }));
        socket.close(1013, 'too many tails');
        return;
      }
      clients++;
      let session: TailSession | null = null;
      let closed = false;
      const sink = {
        send: (text: string | Buffer, written: () => void) => {
          if (socket.readyState === socket.OPEN) socket.send(text, { binary: false }, written);
        },
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
      };
      const done = () => {
        if (closed) return;
        closed = true;
        clients--;
        session?.close();
      };
      socket.on('close', done);
      socket.on('error', done);
      const topics = q.topics.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      hub ??= new TailHub(s.logs);
      TailSession.start(s.logs, hub, sink, { topics, query: q.q, last: q.last })
        .then((t) => {
          session = t;
          if (closed) t.close();
        })
        .catch((e: unknown) => {
          const bad = e instanceof SearchError;
          if (!bad) s.logger.error(`api: tail of ${topics.join(',')} failed: ${(e as Error).message}`);
          const code = bad ? (e.kind === 'not-found' ? 'NOT_FOUND' : 'BAD_REQUEST') : 'INTERNAL';
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', error: { code, message: (e as Error).message } }));
          socket.close(bad ? 1008 : 1011, code);
        });
    },
  );
}

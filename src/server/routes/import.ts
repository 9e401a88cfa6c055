import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CaptureLineError, parseCaptureLine } from '../../common/record-capture.js';
import type { RecordInput } from '../../protocol/record-batch-builder.js';
import { ApiError, notFound } from '../errors.js';
import { lineBatches } from '../line-stream.js';
import { ERROR_RESPONSES, topicParams } from '../schemas.js';
import type { RouteContext } from './context.js';

/** A capture line holds one record, base64 and JSON escaping included: generous next to any topic's max.message.bytes. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
const BODY_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/json', 'text/plain', 'application/octet-stream'];

interface ImportQuery {
  partitions: 'keep' | 'key';
  timestamps: 'keep' | 'now';
}

/**
 * A capture replayed into a topic from the GUI: the same lines `tributary import` reads (the exports of Search and
 * Messages, `tributary export`, `consume --format json|capture`, `kcat -J`). The body is read as it arrives, a batch
 * at a time; a bad line stops the import there with its number, and what came before it stays written (the answer
 * says how much), as an import from the CLI does.
 */
export async function importRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await app.register(async (scope) => {
    // The body stays a stream: the route reads it line by line instead of Fastify buffering it whole.
    scope.addContentTypeParser(BODY_TYPES, (_req, payload, done) => done(null, payload));
    scope.post<{ Params: { name: string }; Querystring: ImportQuery; Body: Readable }>(
      '/api/v1/topics/:name/import',
      {
        schema: {
          tags: ['messages'],
          summary: 'Import a capture (NDJSON, one record per line) into the topic; keys, headers and timestamps kept',
          params: topicParams,
          querystring: {
            type: 'object',
            properties: {
              partitions: { type: 'string', enum: ['keep', 'key'], default: 'keep', description: 'keep: each record to the partition it names; key: by key, as a producer would' },
              timestamps: { type: 'string', enum: ['keep', 'now'], default: 'keep', description: "keep: the records' own timestamps; now: the time of the import" },
            },
          },
          response: {
            200: { type: 'object', required: ['topic', 'imported'], properties: { topic: { type: 'string' }, imported: { type: 'integer', description: 'records written' } } },
            ...ERROR_RESPONSES,
          },
        },
      },
      async (req) => {
        const topic = req.params.name;
        const info = ctx.services.logs.getTopic(topic);
        if (!info) throw notFound(`topic ${topic} does not exist; create it first (with as many partitions as the exported topic to keep records in their partitions)`);
        const { partitions, timestamps } = req.query;
        let imported = 0;
        let lineNo = 0;
        const stop = (e: unknown): never => {
          const msg = (e as Error).message;
          const status = e instanceof ApiError ? e.status : e instanceof CaptureLineError ? 400 : ((e as { status?: number }).status ?? 500);
          throw new ApiError(status, status === 413 ? 'LINE_TOO_LONG' : status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST', `${msg}; ${imported} records before it were imported`);
        };
        try {
          for await (const lines of lineBatches(req.body, MAX_LINE_BYTES)) {
            const records: Array<RecordInput & { partition?: number }> = [];
            for (const line of lines) {
              lineNo++;
              if (line.trim() === '') continue;
              const r = parseCaptureLine(line, lineNo);
              const keep = partitions === 'keep' && r.partition !== undefined;
              if (keep && r.partition! >= info.partitions) {
                throw new ApiError(400, 'BAD_REQUEST', `line ${lineNo}: a record of partition ${r.partition} but topic ${topic} has ${info.partitions}; add partitions or import with partitions=key`);
              }
              records.push({
                key: r.key,
                value: r.value,
                headers: r.headers,
                timestamp: timestamps === 'keep' && r.timestamp !== undefined && r.timestamp >= 0 ? r.timestamp : Date.now(),
                ...(keep ? { partition: r.partition } : {}),
              });
            }
            if (records.length > 0) await ctx.services.producer.appendRecords(topic, records);
            imported += records.length;
          }
        } catch (e) {
          if (e instanceof CaptureLineError || e instanceof ApiError || typeof (e as { status?: unknown }).status === 'number') stop(e);
          throw e;
        }
        ctx.services.logger.info(`imported ${imported} records into ${topic} through the API`);
        return { topic, imported };
      },
    );
  });
}

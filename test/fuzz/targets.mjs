// Fuzz targets for `npm run fuzz` (test/fuzz/run.mjs): every parser that sees outside input, run on the built code
// (dist/). A target turns arbitrary bytes into a call, says which errors are the parser refusing the input (expected)
// and throws InvariantError when a property the parser promises is broken. Any other exception is a finding.
import { FrameParser } from '../../dist/src/protocol/framing.js';
import { readHeaderPrefix } from '../../dist/src/protocol/header.js';
import { DecodeError, Reader, REQUEST_ARRAY_ELEMENTS_LIMIT } from '../../dist/src/protocol/reader.js';
import { BATCH_OFFSET_CRC, BatchFormatError, compressionOf, computeBatchCrc, validateBatch } from '../../dist/src/protocol/record-batch.js';
import { decodeRecords, RecordDecodeError } from '../../dist/src/protocol/record-decoder.js';
import { codecFor, inRange, isFlexible } from '../../dist/src/protocol/schema.js';
import * as schemas from '../../dist/src/protocol/schemas/index.js';
import { encodeLine, LineProtocolError, parseLine } from '../../dist/src/collect/line-protocol/index.js';
import { ExpositionError, parseExposition } from '../../dist/src/collect/prometheus/parse.js';
import { SyslogFramer } from '../../dist/src/ingest/syslog/framing.js';
import { syslogRecord } from '../../dist/src/ingest/syslog/record.js';
import { HttpError } from '../../dist/src/ingest/http/http-error.js';
import { ndjsonRecords, textRecords } from '../../dist/src/ingest/http/log-body.js';
import { jsonMetricRecords, lineProtocolRecords, prometheusRecords } from '../../dist/src/ingest/http/metric-body.js';
import { parseJsonLine } from '../../dist/src/collect/tail/json-line.js';
import { detectLevel } from '../../dist/src/common/level/detect-level.js';
import { LineSplitter } from '../../dist/src/collect/tail/line-splitter.js';
import { MultilineJoiner } from '../../dist/src/collect/tail/multiline.js';
import { DEFAULT_CONTINUE_PATTERN } from '../../dist/src/collect/tail/options.js';
import { parseTimestamp } from '../../dist/src/collect/tail/timestamp.js';
import { truncateBytes } from '../../dist/src/collect/tail/truncate.js';

export class InvariantError extends Error {
  name = 'InvariantError';
}

const check = (ok, what) => {
  if (!ok) throw new InvariantError(what);
};

const requests = new Map(Object.values(schemas).filter((d) => d.name.endsWith('Request')).map((d) => [d.apiKey, d]));

/** Two cut points taken from the input's first bytes, for chunking invariance checks. */
function cuts(buf) {
  if (buf.length < 2) return { data: buf, at: [0, 0] };
  const data = buf.subarray(2);
  return { data, at: [buf[0] % (data.length + 1), buf[1] % (data.length + 1)].sort((a, b) => a - b) };
}
const pieces = (data, at) => [data.subarray(0, at[0]), data.subarray(at[0], at[1]), data.subarray(at[1])];

function syslogFrames(chunks, max) {
  const f = new SyslogFramer(max);
  const out = [];
  for (const c of chunks) for (const x of f.push(c)) out.push(`${x.data.toString('hex')}|${x.error ?? ''}`);
  for (const x of f.end()) out.push(`${x.data.toString('hex')}|${x.error ?? ''}`);
  return out.join(',');
}

function tailRecords(chunks, max, start) {
  const out = [];
  const joiner = new MultilineJoiner({ startPattern: start, continuePattern: start ? null : DEFAULT_CONTINUE_PATTERN, flushAfterMs: 1000 }, max, (t, end) => out.push(`${end}:${t}`));
  const onLine = (buf, s, e, total, endOffset) => joiner.push(total > max ? truncateBytes(buf, s, e, total, max) : buf.toString('utf8', s, e), total, endOffset);
  const splitter = new LineSplitter(max);
  let offset = 0;
  for (const c of chunks) {
    splitter.push(c, c.length, offset, onLine);
    offset += c.length;
  }
  splitter.flush(onLine);
  joiner.flush();
  return out.join('\n');
}

const H = { host: 'h' };

export const TARGETS = {
  /** A request frame as the broker decodes it: header, tagged fields, body of the API it names. */
  'kafka-request': {
    expected: (e) => e instanceof DecodeError,
    dict: ['\x00\x03\x00\x01', '\x00\x00\x00\x09', '\x00\x12\x00\x03', '\xff\xff', '\x7f\xff\xff\xff', '\x00\x00\x00\x00', '\x80\x80\x80\x80\x01'],
    run(buf) {
      const r = new Reader(buf, 0, buf.length, REQUEST_ARRAY_ELEMENTS_LIMIT);
      const h = readHeaderPrefix(r);
      const def = requests.get(h.apiKey);
      if (!def || !inRange(def.validVersions, h.apiVersion)) return;
      if (isFlexible(def, h.apiVersion)) r.taggedFields();
      codecFor(def, h.apiVersion).decode(r);
    },
  },
  /** The frame decoder: the same bytes cut anywhere give the same frames. */
  'kafka-framing': {
    expected: (e) => e instanceof DecodeError,
    dict: ['\x00\x00\x00\x00', '\x00\x00\x00\x04', '\xff\xff\xff\xff', '\x7f\xff\xff\xff'],
    run(buf) {
      const { data, at } = cuts(buf);
      const frames = (chunks) => {
        const p = new FrameParser(1024);
        try {
          return chunks.flatMap((c) => p.push(c).map((f) => f.toString('hex'))).join(',') + `|${p.pendingBytes}`;
        } catch (e) {
          if (e instanceof DecodeError) return 'error';
          throw e;
        }
      };
      check(frames([data]) === frames(pieces(data, at)), 'frames depend on chunking');
    },
  },
  /**
   * Batch validation; an accepted batch is consistent and its records decode or fail cleanly. When the first byte is
   * odd, the CRC of the rest is fixed up first, so the checks behind the CRC are reached too.
   */
  'record-batch': {
    expected: (e) => e instanceof BatchFormatError || e instanceof RecordDecodeError,
    dict: ['\x02', '\x00\x00\x00\x00', '\xff\xff\xff\xff', '\x7f\xff\xff\xff', '\x00\x01'],
    run(input) {
      const buf = Buffer.from(input.subarray(1));
      if (input.length > 0 && input[0] & 1 && buf.length >= 61) {
        const size = buf.readInt32BE(8) + 12;
        if (size >= 61 && size <= buf.length) buf.writeUInt32BE(computeBatchCrc(buf, 0, size), BATCH_OFFSET_CRC);
      }
      const h = validateBatch(buf, 0);
      check(h.size >= 61 && h.size <= buf.length && h.magic === 2 && h.recordsCount >= 0 && h.recordsCount <= h.lastOffsetDelta + 1, 'inconsistent accepted batch');
      if (compressionOf(h.attributes) === 'none') check(decodeRecords(buf.subarray(0, h.size)).length === h.recordsCount, 'record count');
    },
  },
  /** Line protocol: refused with LineProtocolError, or a point whose encoding is a fixed point. */
  'line-protocol': {
    expected: (e) => e instanceof LineProtocolError,
    dict: ['\\', ',', '=', ' ', '"', 'i', 'u', 't', 'F', 'e+', '-', '.', '#', '\\ ', '\\,', '\\='],
    run(buf) {
      const p = parseLine(buf.toString('utf8'), 'ns');
      const line = encodeLine(p);
      check(!/[\n\r]/.test(line), 'encoded point spans lines');
      check(encodeLine(parseLine(line)) === line, `re-encoding differs: ${line}`);
    },
  },
  'prometheus-text': {
    expected: (e) => e instanceof ExpositionError,
    dict: ['{', '}', '="', '"', ',', '\\', '\\n', ' ', '\t', '\n', '# TYPE ', ' counter', '+Inf', 'NaN', 'e-', '.', ' # {'],
    run(buf) {
      parseExposition(buf.toString('utf8'), { maxLineBytes: 4096 });
      parseExposition(buf.toString('utf8'), { openMetrics: true });
    },
  },
  /** TCP framing (any chunking, same frames) and message parsing (never throws). */
  syslog: {
    expected: () => false,
    dict: ['<13>', '<165>1 ', ' - ', '[', ']', '="', '\\"', '\n', '\r\n', '\x00', '12 ', 'May  1 12:00:00 ', '2024-01-01T00:00:00Z', ': '],
    run(buf) {
      const { data, at } = cuts(buf);
      check(syslogFrames([data], 32) === syslogFrames(pieces(data, at), 32), 'frames depend on chunking');
      syslogRecord(data, 'r', 0);
    },
  },
  /** Every HTTP body format: records, or a 400/413 naming the line. */
  'http-body': {
    expected: (e) => e instanceof HttpError && (e.status === 413 || (e.status === 400 && /^line \d+: /.test(e.message))),
    dict: ['{', '}', '[', ']', '"', ':', ',', '\n', '"level":', '"ts":', '"name":"m"', '"fields":{', '"tags":{', ' v=1', 'm{a="b"} 1'],
    run(buf) {
      const text = buf.toString('utf8');
      for (const f of [() => textRecords(text, 256, 0, H), () => ndjsonRecords(text, 256, 0, H), () => jsonMetricRecords(text, 256, 'ms', 0, H), () => lineProtocolRecords(text, 256, 'ns', 0, H), () => prometheusRecords(text, 256, 0, H)]) {
        try {
          f();
        } catch (e) {
          if (!(e instanceof HttpError && (e.status === 413 || (e.status === 400 && /^line \d+: /.test(e.message))))) throw e;
        }
      }
    },
  },
  /** The agent's line handling: same records at any read chunking; detection never throws. */
  'tail-lines': {
    expected: () => false,
    dict: ['\n', '\r\n', '\tat ', 'Caused by: ', 'Traceback (most recent call last):\n', '  File ', 'Error: x\n', '2024-05-01 12:00:00 ', 'ERROR ', '{"level":"warn"}', 'é', '😀'],
    run(buf) {
      const { data, at } = cuts(buf);
      for (const start of [null, /^\d{4}-/]) check(tailRecords([data], 64, start) === tailRecords(pieces(data, at), 64, start), 'records depend on read chunking');
      const line = data.toString('utf8');
      parseTimestamp(line, 0);
      detectLevel(line);
      parseJsonLine(line, 0);
    },
  },
};

/** InfluxDB line protocol: the canonical metric format in topics. Parser, encoder and the record form of a point. */
export { encodeLine, encodeLines, seriesKey } from './encode.js';
export { escapeKey, escapeMeasurement, quoteString } from './escape.js';
export { isSkippableLine, parseLine } from './parse.js';
export { nsPerUnit, parsePrecision, type Precision } from './precision.js';
export { FORMAT_HEADER, INFLUX_FORMAT, pointToRecord } from './record.js';
export {
  LineProtocolError,
  integer,
  msToNs,
  nsToMs,
  unsigned,
  type FieldInput,
  type FieldValue,
  type ParsedPoint,
  type Point,
} from './types.js';

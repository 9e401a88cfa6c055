import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Request Header v1 => request_api_key request_api_version correlation_id client_id; v2 adds TAG_BUFFER. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** The fixed part shared by every header version; enough to answer or reject any request. */
export function readHeaderPrefix(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  // client_id stays a classic nullable string even in flexible header v2.
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Response Header v0 => correlation_id; v1 adds TAG_BUFFER (flexible versions, except ApiVersions). */
export function writeResponseHeader(w: Writer, correlationId: number, flexibleHeader: boolean): void {
  w.int32(correlationId);
  if (flexibleHeader) w.uvarint(0);
}

import type { Decoded, Encodable, MessageDef } from '../protocol/schema.js';
import type { RequestHeader } from '../protocol/header.js';
import type { ClientInfo } from './client-info.js';
import type { SaslAuthenticator } from './security/sasl-authenticator.js';
import type { Session } from './security/session.js';
import type { BrokerServices } from './services.js';

/**
 * Broker memory for the data a response carries (records read for a Fetch), bounded broker-wide
 * (maxFetchMemoryBytes) and per connection (maxResponseBytesPerConnection).
 */
export interface ResponseMemory {
  /**
   * Reserves up to `want` bytes, waiting while either budget is spent, until `deadline` (epoch ms) or the connection
   * closes. Resolves with the bytes granted: `want`, or 0 when nothing came free in time. What a response has
   * reserved is released once it has been written.
   */
  reserve(want: number, deadline: number): Promise<number>;
  /** Adjusts a grant to what the response really holds: less (released now) or more (a first batch beyond it). */
  settle(granted: number, held: number): void;
}

/** What one request's handler gets: the broker's services (never the Broker), the request header, the client. */
export interface RequestContext extends BrokerServices {
  header: RequestHeader;
  client: ClientInfo;
  /** Who the client acts as (principal and address), for the authorizer. */
  session: Session;
  /** Aborted when the connection closes, so long polls stop waiting. */
  signal: AbortSignal;
  memory: ResponseMemory;
  /** The connection's SASL state; null on listeners without SASL. */
  sasl: SaslAuthenticator | null;
  /** Close the connection once this request's response has been written; nothing after it is handled. */
  closeAfterResponse(): void;
}

/** One Kafka API: its request/response schemas and the handler that answers it. */
export interface ApiHandler<Req extends MessageDef = MessageDef, Res extends MessageDef = MessageDef> {
  request: Req;
  response: Res;
  /** null = send no response (Produce with acks=0). */
  handle(ctx: RequestContext, req: Decoded<Req>): Promise<Encodable<Res> | null> | Encodable<Res> | null;
}

export function defineApi<Req extends MessageDef, Res extends MessageDef>(h: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return h;
}

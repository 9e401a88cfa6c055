import type { Decoded, Encodable, MessageDef } from '../protocol/schema.js';
import type { RequestHeader } from '../protocol/header.js';
import type { ClientInfo } from './client-info.js';
import type { BrokerServices } from './services.js';

/** What one request's handler gets: the broker's services (never the Broker), the request header, the client. */
export interface RequestContext extends BrokerServices {
  header: RequestHeader;
  client: ClientInfo;
  /** Aborted when the connection closes, so long polls stop waiting. */
  signal: AbortSignal;
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

import type { Decoded, Encodable, MessageDef } from '../protocol/schema.js';
import type { RequestHeader } from '../protocol/header.js';
import type { Broker } from './broker.js';
import type { ClientInfo } from './client-info.js';

export interface RequestContext {
  broker: Broker;
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

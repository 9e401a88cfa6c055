/** The HTTP/WebSocket API server: Fastify, token auth, shared errors and limits, one route module per area. */
export { ApiServer, buildApiApp, openApiText, DEFAULT_MAX_CONCURRENT_READS, type ApiApp, type ApiAppOptions, type ApiServerOptions } from './api-server.js';
export { isWebSocketUpgrade, TOKEN_COOKIE } from './auth.js';
export { ApiError, badRequest, conflict, notFound, pathOf } from './errors.js';
export { ConcurrencyLimiter } from './limiter.js';
export { OPENAPI_PATH } from './openapi.js';
export { RateSampler, type Rates } from './rates.js';
export { registerRoutes, ROUTE_MODULES, type RouteContext, type RouteModule } from './routes/index.js';
export { ERROR_RESPONSES, offset, partition, topicName, topicParams, wsTokenQuery } from './schemas.js';
export type { ApiServices, ListenerAddress, RecordProducer, TrafficTotals } from './services.js';
export { loadOrCreateToken, TOKEN_FILE } from './token.js';
export { DEFAULT_MAX_VALUE_BYTES, parseTime, recordSchema, renderRecord } from './routes/messages.js';

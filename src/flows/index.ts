// Flows: a local topic, filtered by a query or not, copied continuously to a derived local topic, a remote cluster's
// topic, a rotated NDJSON file or an HTTP endpoint.
export { Flows, FLOWS_FILE, type FlowView, type FlowServices, type FlowsOptions } from './flows.js';
export { parseFlow, parseFlows, type FlowConfig, type TargetConfig } from './flow-config.js';
export type { FlowStatus, FlowPartitionStatus } from './flow.js';
export { SOURCE_HEADER, OFFSET_HEADER } from './markers.js';

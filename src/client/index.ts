/**
 * Tributary's own Kafka client: connections speaking the project's codec, cluster metadata and leaders, the
 * idempotent producer's id, and the default partitioner. Used by the agent and the CLI, against `tributary serve`
 * or any Kafka cluster.
 */
export { BrokerConnection, ConnectionError, type ConnectionOptions } from './broker-connection.js';
export { Cluster, TopicError, type ProduceBody, type ProduceResult, type TopicLayout } from './cluster.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { Partitioner } from './partitioner.js';

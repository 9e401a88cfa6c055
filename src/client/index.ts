/**
 * Tributary's own Kafka client: connections speaking the project's codec, cluster metadata and leaders, topic and
 * group administration, offsets, fetching (all four codecs) and producing, a consumer-group member, the idempotent
 * producer's id for the agent, and the default partitioner. Used by the agent and the CLI, against `tributary serve`
 * or any Kafka cluster.
 */
export { BrokerConnection, ConnectionError, type ConnectionOptions } from './broker-connection.js';
export { AuthenticationError } from './sasl-login.js';
export { ScramClient, ScramError } from './scram-client.js';
export { SASL_MECHANISMS, SECURITY_PROTOCOLS, securityProblem, usesSasl, usesTls, type ClientSecurity, type SaslCredentials, type SaslMechanism, type SecurityProtocol } from './security.js';
export { Cluster, TopicError, type MetadataResult, type ProduceBody, type ProduceResult, type TopicLayout } from './cluster.js';
export { KafkaClient, type ClientOptions } from './client.js';
export { Admin, type ConfigEntry, type NewTopic, type PartitionDescription, type TopicDescription } from './admin.js';
export { Offsets, type OffsetSpec, type PartitionRange } from './offsets.js';
export { Fetcher, type FetchedRecord, type FetcherOptions, type PartitionFetch } from './fetcher.js';
export { Producer, type ProducerOptions, type ProducerRecord } from './producer.js';
export { GroupAdmin, type CommittedOffsets, type GroupDescription, type GroupMemberDescription, type ListedGroup } from './group-admin.js';
export { GroupMember, JoinAbortedError, RebalanceError, type GroupMemberOptions } from './group-member.js';
export { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type Assignment } from './consumer-protocol.js';
export { ASSIGNORS, rangeAssignor, roundRobinAssignor, type Assignor } from './assignors.js';
export { KafkaError, OffsetOutOfRangeError, kafkaError } from './errors.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { Partitioner } from './partitioner.js';

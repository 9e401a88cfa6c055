/** Kafka error codes the broker returns: one table, never ad-hoc numbers. */
export interface KafkaErrorDef {
  code: number;
  type: string;
  retriable: boolean;
  message: string;
}

const defs = {
  NONE: [0, false, ''],
  UNKNOWN_SERVER_ERROR: [-1, false, 'The server experienced an unexpected error when processing the request.'],
  OFFSET_OUT_OF_RANGE: [1, false, 'The requested offset is not within the range of offsets maintained by the server.'],
  CORRUPT_MESSAGE: [2, true, 'This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.'],
  UNKNOWN_TOPIC_OR_PARTITION: [3, true, 'This server does not host this topic-partition.'],
  INVALID_FETCH_SIZE: [4, false, 'The requested fetch size is invalid.'],
  LEADER_NOT_AVAILABLE: [5, true, 'There is no leader for this topic-partition.'],
  NOT_LEADER_OR_FOLLOWER: [6, true, 'This server is not the leader for that topic-partition.'],
  REQUEST_TIMED_OUT: [7, true, 'The request timed out.'],
  NETWORK_EXCEPTION: [13, true, 'The server disconnected before a response was received.'],
  OFFSET_METADATA_TOO_LARGE: [12, false, 'The metadata field of the offset request was too large.'],
  MESSAGE_TOO_LARGE: [10, false, 'The request included a message larger than the max message size the server will accept.'],
  COORDINATOR_LOAD_IN_PROGRESS: [14, true, 'The coordinator is loading and hence can\'t process requests.'],
  COORDINATOR_NOT_AVAILABLE: [15, true, 'The coordinator is not available.'],
  NOT_COORDINATOR: [16, true, 'This is not the correct coordinator.'],
  INVALID_TOPIC_EXCEPTION: [17, false, 'The request attempted to perform an operation on an invalid topic.'],
  RECORD_LIST_TOO_LARGE: [18, false, 'The request included message batch larger than the configured segment size on the server.'],
  NOT_ENOUGH_REPLICAS: [19, true, 'Messages are rejected since there are fewer in-sync replicas than required.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [20, true, 'Messages are written to the log, but to fewer in-sync replicas than required.'],
  INVALID_REQUIRED_ACKS: [21, false, 'Produce request specified an invalid value for required acks.'],
  ILLEGAL_GENERATION: [22, false, 'Specified group generation id is not valid.'],
  INCONSISTENT_GROUP_PROTOCOL: [23, false, 'The group member\'s supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.'],
  INVALID_GROUP_ID: [24, false, 'The configured groupId is invalid.'],
  UNKNOWN_MEMBER_ID: [25, false, 'The coordinator is not aware of this member.'],
  INVALID_SESSION_TIMEOUT: [26, false, 'The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms).'],
  REBALANCE_IN_PROGRESS: [27, false, 'The group is rebalancing, so a rejoin is needed.'],
  INVALID_COMMIT_OFFSET_SIZE: [28, false, 'The committing offset data size is not valid.'],
  TOPIC_AUTHORIZATION_FAILED: [29, false, 'Topic authorization failed.'],
  GROUP_AUTHORIZATION_FAILED: [30, false, 'Group authorization failed.'],
  CLUSTER_AUTHORIZATION_FAILED: [31, false, 'Cluster authorization failed.'],
  INVALID_TIMESTAMP: [32, false, 'The timestamp of the message is out of acceptable range.'],
  UNSUPPORTED_SASL_MECHANISM: [33, false, 'The broker does not support the requested SASL mechanism.'],
  ILLEGAL_SASL_STATE: [34, false, 'Request is not valid given the current SASL state.'],
  SASL_AUTHENTICATION_FAILED: [58, false, 'SASL Authentication failed.'],
  UNSUPPORTED_VERSION: [35, false, 'The version of API is not supported.'],
  TOPIC_ALREADY_EXISTS: [36, false, 'Topic with this name already exists.'],
  INVALID_PARTITIONS: [37, false, 'Number of partitions is below 1.'],
  INVALID_REPLICATION_FACTOR: [38, false, 'Replication factor is below 1 or larger than the number of available brokers.'],
  INVALID_REPLICA_ASSIGNMENT: [39, false, 'Replica assignment is invalid.'],
  INVALID_CONFIG: [40, false, 'Configuration is invalid.'],
  NOT_CONTROLLER: [41, true, 'This is not the correct controller for this cluster.'],
  INVALID_REQUEST: [42, false, 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [43, false, 'The message format version on the broker does not support the request.'],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [45, false, 'The broker received an out of order sequence number.'],
  DUPLICATE_SEQUENCE_NUMBER: [46, false, 'The broker received a duplicate sequence number.'],
  INVALID_PRODUCER_EPOCH: [47, false, 'Producer attempted to produce with an old epoch.'],
  INVALID_TXN_STATE: [48, false, 'The producer attempted a transactional operation in an invalid state.'],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [53, false, 'Transactional Id authorization failed.'],
  UNKNOWN_PRODUCER_ID: [59, false, 'This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question.'],
  NON_EMPTY_GROUP: [68, false, 'The group is not empty.'],
  GROUP_ID_NOT_FOUND: [69, false, 'The group id does not exist.'],
  THROTTLING_QUOTA_EXCEEDED: [89, true, 'The throttling quota has been exceeded.'],
  UNSTABLE_OFFSET_COMMIT: [88, true, 'There are unstable offsets that need to be cleared.'],
  MEMBER_ID_REQUIRED: [79, false, 'The group member needs to have a valid member id before actually entering a consumer group.'],
  GROUP_MAX_SIZE_REACHED: [81, false, 'The consumer group has reached its max size.'],
  FENCED_INSTANCE_ID: [82, false, 'The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [86, false, 'The consumer group is actively subscribed to the topic.'],
  INVALID_RECORD: [87, false, 'This record has failed the validation on broker and hence will be rejected.'],
  UNKNOWN_TOPIC_ID: [100, true, 'This server does not host this topic ID.'],
  INCONSISTENT_TOPIC_ID: [103, true, 'The log\'s topic ID did not match the topic ID in the request.'],
  KAFKA_STORAGE_ERROR: [56, true, 'Disk error when trying to access log file on the disk.'],
  POLICY_VIOLATION: [44, false, 'Request parameters do not satisfy the configured policy.'],
} as const satisfies Record<string, readonly [number, boolean, string]>;

export type ErrorName = keyof typeof defs;

export const ERRORS = Object.fromEntries(
  Object.entries(defs).map(([type, [code, retriable, message]]) => [type, { code, type, retriable, message }]),
) as { [K in ErrorName]: KafkaErrorDef };

/** The numeric code for a named error, e.g. errorCode('UNKNOWN_TOPIC_OR_PARTITION') === 3. */
export function errorCode(name: ErrorName): number {
  return defs[name][0];
}

const byCode = new Map<number, KafkaErrorDef>(Object.values(ERRORS).map((e) => [e.code, e]));
export function errorByCode(code: number): KafkaErrorDef | undefined {
  return byCode.get(code);
}

/** An error a handler throws to answer a whole request (or one partition) with a Kafka error code. */
export class KafkaProtocolError extends Error {
  readonly code: number;
  constructor(readonly errorName: ErrorName, message?: string) {
    super(message ?? defs[errorName][2]);
    this.name = 'KafkaProtocolError';
    this.code = defs[errorName][0];
  }
}

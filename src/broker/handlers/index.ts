import type { ApiHandler } from '../api.js';
import { apiVersions } from './api-versions.js';
import { createPartitions } from './create-partitions.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { describeConfigs } from './describe-configs.js';
import { fetch } from './fetch.js';
import { initProducerId } from './init-producer-id.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { produce } from './produce.js';
import { findCoordinator } from './find-coordinator.js';
import { joinGroup } from './join-group.js';
import { syncGroup } from './sync-group.js';
import { heartbeat } from './heartbeat.js';
import { leaveGroup } from './leave-group.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { listGroups } from './list-groups.js';
import { describeGroups } from './describe-groups.js';
import { deleteGroups } from './delete-groups.js';
import { offsetDelete } from './offset-delete.js';
import { saslAuthenticate } from './sasl-authenticate.js';
import { saslHandshake } from './sasl-handshake.js';
import { describeAcls } from './describe-acls.js';
import { createAcls } from './create-acls.js';
import { deleteAcls } from './delete-acls.js';

/** Every API this broker answers, by API key; ApiVersions advertises exactly these. */
export function buildApiTable(): Map<number, ApiHandler> {
  const all: ApiHandler<any, any>[] = [
    produce, fetch, listOffsets, metadata, apiVersions, createTopics, deleteTopics, initProducerId, describeConfigs, createPartitions,
    findCoordinator, joinGroup, syncGroup, heartbeat, leaveGroup, offsetCommit, offsetFetch, listGroups, describeGroups, deleteGroups, offsetDelete,
    saslHandshake, saslAuthenticate, describeAcls, createAcls, deleteAcls,
  ];
  return new Map(all.map((h) => [h.request.apiKey, h as ApiHandler]));
}

// One entry point for a program that talks to a cluster (the CLI): the cluster view and connections, and the topic,
// offset, group, fetch and produce operations built on them. close() ends every connection.
import { Admin } from './admin.js';
import type { ConnectionOptions } from './broker-connection.js';
import { Cluster } from './cluster.js';
import { Fetcher, type FetcherOptions } from './fetcher.js';
import { GroupAdmin } from './group-admin.js';
import { GroupMember, type GroupMemberOptions } from './group-member.js';
import { Offsets } from './offsets.js';
import { Producer, type ProducerOptions } from './producer.js';
import { securityProblem, type ClientSecurity } from './security.js';

export interface ClientOptions {
  /** "host:port" of one or more brokers; the rest of the cluster is learnt from Metadata. */
  bootstrap: string[];
  clientId: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL for every connection (bootstrap, leaders, coordinators); plaintext when absent. */
  security?: ClientSecurity;
}

export class KafkaClient {
  readonly cluster: Cluster;
  readonly admin: Admin;
  readonly offsets: Offsets;
  readonly groups: GroupAdmin;
  private readonly connectionOptions: ConnectionOptions;
  private readonly members = new Set<GroupMember>();

  constructor(options: ClientOptions) {
    const problem = options.security ? securityProblem(options.security) : null;
    if (problem) throw new Error(problem);
    this.connectionOptions = {
      security: options.security,
      clientId: options.clientId,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
    this.cluster = new Cluster(options.bootstrap, { ...this.connectionOptions, produceTimeoutMs: this.connectionOptions.requestTimeoutMs });
    this.admin = new Admin(this.cluster);
    this.offsets = new Offsets(this.cluster);
    this.groups = new GroupAdmin(this.cluster);
  }

  fetcher(topic: string, options?: FetcherOptions): Fetcher {
    return new Fetcher(this.cluster, topic, options);
  }

  producer(options?: ProducerOptions): Producer {
    return new Producer(this.cluster, options);
  }

  groupMember(options: GroupMemberOptions): GroupMember {
    const member = new GroupMember(this.cluster, this.groups, this.connectionOptions, options);
    this.members.add(member);
    return member;
  }

  /** Leaves every group joined through this client, then closes every connection. */
  async close(): Promise<void> {
    await Promise.all([...this.members].map((m) => m.leave()));
    await this.cluster.closeAll('closed by the client', true);
  }
}

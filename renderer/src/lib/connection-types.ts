// What the API says about connections to other Kafka clusters (GET/PUT /api/v1/connections, the test), apart from
// api.ts so pure helpers (and their tests) can use the types without the fetch client.

export interface FollowedPartition {
  partition: number;
  position: number;
  remoteEnd: number;
  lost: number;
  diverged: string | null;
}
export interface Connection {
  name: string;
  bootstrap: string[];
  follow: string[];
  group: string;
  state: 'connecting' | 'following' | 'unreachable' | 'stopped';
  error: string | null;
  lag: number;
  source: 'config' | 'api';
  start: 'earliest' | 'latest';
  /** TLS and SASL as set; the API never sends a password, only where it comes from. */
  security: ConnectionSecurityView | null;
  topics: { remote: string; local: string; partitions: FollowedPartition[]; recordsCopied: number; bytesCopied: number; lastCopiedAt: number | null }[];
}
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export interface ConnectionSecurityView {
  protocol: SecurityProtocol;
  ca: string[] | null;
  cert: string | null;
  key: string | null;
  servername: string | null;
  rejectUnauthorized: boolean;
  sasl: { mechanism: SaslMechanism | null; username: string | null; passwordFile: string | null; password: 'stored' | 'file' | 'environment' } | null;
}
/** What PUT /api/v1/connections/{name} and the test take. */
export interface ConnectionSettings {
  bootstrap: string;
  follow?: string[];
  start?: 'earliest' | 'latest';
  group?: string;
  security?: {
    protocol: SecurityProtocol;
    ca?: string | string[];
    cert?: string;
    key?: string;
    servername?: string;
    rejectUnauthorized?: boolean;
    sasl?: { mechanism: SaslMechanism; username?: string; password?: string; passwordFile?: string };
  };
}
export type ConnectionTest =
  | {
      ok: true;
      address: string;
      clusterId: string | null;
      controllerId: number;
      brokers: { nodeId: number; address: string; reachable: boolean; error: string | null }[];
      topics: number;
      /** Advertised brokers this machine cannot reach. */
      warnings: string[];
      steps: string[];
      tookMs: number;
    }
  | { ok: false; stage: 'tcp' | 'tls' | 'sasl' | 'kafka'; address: string | null; error: string; steps: string[]; tookMs: number };

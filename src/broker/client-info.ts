/** What the broker knows about one connected client, for logs and the UI's connections view. */
export interface ClientInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  clientId: string | null;
  softwareName: string | null;
  softwareVersion: string | null;
  connectedAt: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

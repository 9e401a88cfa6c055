// Why a connection could not be opened or was lost, for people, with the socket's error code when there is one.

/** The connection failed or was lost: the shipper treats the broker as unreachable and buffers on disk. */
export class ConnectionError extends Error {
  /** The socket error code behind it (ECONNREFUSED, ENOTFOUND, …), when there is one. */
  readonly code: string | undefined;

  constructor(
    readonly address: string,
    /** For people: "connection refused", "request timed out after 30 s", … */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`broker ${address}: ${reason}`, options);
    this.name = 'ConnectionError';
    this.code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

const SOCKET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

export function reasonOf(err: NodeJS.ErrnoException): string {
  return (err.code && SOCKET_PROBLEMS[err.code]) ?? err.message;
}

/**
 * Why an ingest write was refused, with an HTTP status for the HTTP endpoints. Messages say what to do next.
 * `status` follows HTTP: 400 bad input, 404 unknown topic, 413 too large, 503 storage unavailable.
 */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestError';
  }
}

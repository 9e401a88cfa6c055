/** A compressed record batch that does not decompress: corrupt, cut off, or larger than the caller allows. */
export class CompressionError extends Error {
  constructor(
    readonly codec: string,
    message: string,
  ) {
    super(`${codec}: ${message}`);
    this.name = 'CompressionError';
  }
}

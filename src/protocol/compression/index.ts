// The four codecs a Kafka record batch may use (attributes bits 0-2), for the client side only: the broker stores and
// serves batches as the producer compressed them and never calls this.
import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { CompressionError } from './errors.js';
import { lz4Decompress } from './lz4.js';
import { snappyDecompress } from './snappy.js';
import { zstdDecompress } from './zstd.js';

export { CompressionError };

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * The most one batch may decompress to. Kafka bounds batches by message.max.bytes (1 MiB by default) before
 * compression; 256 MiB leaves room for any sane configuration while a decompression bomb still fails early.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export function decompress(codec: Codec, data: Buffer, maxBytes = MAX_DECOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      try {
        return gunzipSync(data, { maxOutputLength: maxBytes });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new CompressionError('gzip', e.code === 'ERR_BUFFER_TOO_LARGE' ? `data would decompress to more than the ${maxBytes} bytes allowed` : e.message);
      }
    case 'snappy':
      return snappyDecompress(data, maxBytes);
    case 'lz4':
      return lz4Decompress(data, maxBytes);
    case 'zstd':
      return zstdDecompress(data, maxBytes);
  }
}

/** Producers here compress with gzip only (node:zlib, no extra dependency); level 6 is zlib's and Kafka's default. */
export function gzip(data: Buffer): Buffer {
  return gzipSync(data, { level: constants.Z_DEFAULT_COMPRESSION });
}

// Zstandard decompression through fzstd (pure JavaScript, no native build): Node 20's zlib has no zstd. Streamed so a
// hostile frame cannot make us allocate more than the caller allows before we notice.
import { Decompress } from 'fzstd';
import { CompressionError } from './errors.js';

export function zstdDecompress(input: Buffer, maxBytes: number): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new CompressionError('zstd', `data would decompress to more than the ${maxBytes} bytes allowed`);
    chunks.push(chunk);
  });
  try {
    stream.push(input, true);
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError('zstd', (err as Error).message || 'corrupt data');
  }
  const out = chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, total);
  return out;
}

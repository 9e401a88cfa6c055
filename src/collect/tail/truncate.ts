/*
 * Records longer than maxRecordBytes are cut and end with a marker saying how much was dropped, so a reader sees the
 * cut instead of silently losing it. The marker is counted in the limit: a record's value never exceeds it.
 */

export function truncationMarker(droppedBytes: number): string {
  return `…[truncated ${droppedBytes} bytes]`;
}

/** Byte length of the marker for a record of `totalBytes` (an upper bound: fewer dropped bytes never need more digits). */
function markerBytes(totalBytes: number): number {
  return Buffer.byteLength(truncationMarker(totalBytes));
}

/**
 * The first bytes of `buf[start, end)` followed by the marker, at most `maxBytes` long in UTF-8. `totalBytes` is the
 * full size of the record (the caller may have kept only its head); the cut never splits a UTF-8 character.
 */
export function truncateBytes(buf: Buffer, start: number, end: number, totalBytes: number, maxBytes: number): string {
  let keep = Math.max(0, Math.min(end - start, maxBytes - markerBytes(totalBytes)));
  // buf[start + keep] is the first byte left out; if it continues a character, leave that character out too.
  while (keep > 0 && start + keep < end && (buf[start + keep]! & 0xc0) === 0x80) keep--;
  return buf.toString('utf8', start, start + keep) + truncationMarker(totalBytes - keep);
}

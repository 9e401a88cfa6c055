/** How a key or value is shown: UTF-8 text, pretty-printed JSON, hex, or base64 (exact bytes). */
export type ValueFormat = 'text' | 'json' | 'hex' | 'base64';

export const VALUE_FORMATS: readonly ValueFormat[] = ['text', 'json', 'hex', 'base64'];

export interface Rendered {
  /** null for a null key or value. */
  text: string | null;
  /** The format used: json falls back to text when the bytes are not JSON (or were truncated). */
  format: ValueFormat;
  truncated: boolean;
}

/** Where to cut `b` to at most `max` bytes without splitting a UTF-8 sequence. */
function utf8Cut(b: Buffer, max: number): number {
  if (b.length <= max) return b.length;
  let cut = max;
  while (cut > 0 && (b[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

/** Renders at most `maxBytes` of `b` (of the bytes, not of the text made of them). */
export function renderBytes(b: Buffer | null, format: ValueFormat, maxBytes: number): Rendered {
  if (b === null) return { text: null, format, truncated: false };
  const truncated = b.length > maxBytes;
  switch (format) {
    case 'hex':
      return { text: b.subarray(0, maxBytes).toString('hex'), format, truncated };
    case 'base64':
      return { text: b.subarray(0, maxBytes).toString('base64'), format, truncated };
    case 'json':
      if (!truncated) {
        const text = b.toString('utf8');
        try {
          return { text: JSON.stringify(JSON.parse(text), null, 2), format: 'json', truncated };
        } catch {
          return { text, format: 'text', truncated };
        }
      }
      return { text: b.subarray(0, utf8Cut(b, maxBytes)).toString('utf8'), format: 'text', truncated };
    case 'text':
      return { text: b.subarray(0, utf8Cut(b, maxBytes)).toString('utf8'), format, truncated };
  }
}

import { describe, expect, it } from 'vitest';
import { renderBytes } from '../../../src/query/browse/index.js';

describe('rendering values', () => {
  it('cuts text between UTF-8 characters, pretty-prints JSON, and says when it fell back or cut', () => {
    const euro = Buffer.from('€€€'); // 3 bytes each
    expect(renderBytes(euro, 'text', 4)).toEqual({ text: '€', format: 'text', truncated: true });
    expect(renderBytes(euro, 'hex', 4)).toEqual({ text: 'e282ace2', format: 'hex', truncated: true });
    expect(renderBytes(Buffer.from('{"a":[1]}'), 'json', 100)).toEqual({ text: '{\n  "a": [\n    1\n  ]\n}', format: 'json', truncated: false });
    expect(renderBytes(Buffer.from('plain'), 'json', 100)).toEqual({ text: 'plain', format: 'text', truncated: false });
    expect(renderBytes(Buffer.from('{"a":1}'), 'json', 3)).toEqual({ text: '{"a', format: 'text', truncated: true });
    expect(renderBytes(null, 'base64', 10)).toEqual({ text: null, format: 'base64', truncated: false });
  });
});

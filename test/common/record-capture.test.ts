// The capture format: what an export writes, an import reads back byte for byte; text stays readable; other
// producers' JSON forms (consume --format json, kcat -J) read too; a bad line is named.
import { describe, expect, it } from 'vitest';
import { captureJson, CaptureLineError, parseCaptureLine } from '../../src/common/record-capture.js';

const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

describe('record capture', () => {
  it('keeps text readable and carries bytes that are not UTF-8 exactly, in a base64 sibling', () => {
    const j = captureJson({ topic: 't', partition: 2, offset: 7, timestamp: 1700000000000, key: binary, value: Buffer.from('héllo'), headers: [['a', Buffer.from('x')], ['a', binary], ['n', null]] });
    expect(j.value).toBe('héllo');
    expect(j.valueBase64).toBeUndefined();
    expect(j.keyBase64).toBe('//4AgA==');
    expect(j.headers).toEqual([{ key: 'a', value: 'x' }, { key: 'a', value: '\ufffd\ufffd\u0000\ufffd', valueBase64: '//4AgA==' }, { key: 'n', value: null }]);
    const back = parseCaptureLine(JSON.stringify(j), 1);
    expect(back).toEqual({ topic: 't', partition: 2, offset: 7, timestamp: 1700000000000, key: binary, value: Buffer.from('héllo'), headers: [['a', Buffer.from('x')], ['a', binary], ['n', null]] });
  });

  it('reads consume --format json (headers as an object) and kcat -J (payload, ts, flat header list)', () => {
    expect(parseCaptureLine('{"topic":"t","partition":0,"offset":1,"timestamp":5,"key":null,"headers":{"h":"v"},"value":"x"}', 1)).toMatchObject({ timestamp: 5, key: null, value: Buffer.from('x'), headers: [['h', Buffer.from('v')]] });
    const k = parseCaptureLine('{"topic":"t","partition":1,"offset":3,"tstype":"create","ts":1700000000123,"broker":1,"headers":["origin","kcat","run","1"],"key":"k","payload":"p"}', 4);
    expect(k).toEqual({ topic: 't', partition: 1, offset: 3, timestamp: 1700000000123, key: Buffer.from('k'), value: Buffer.from('p'), headers: [['origin', Buffer.from('kcat')], ['run', Buffer.from('1')]] });
    // A value written as JSON rather than a string is its JSON text.
    expect(parseCaptureLine('{"value":{"a":1}}', 1).value).toEqual(Buffer.from('{"a":1}'));
  });

  it('names the line and the problem', () => {
    expect(() => parseCaptureLine('{"value": ', 12)).toThrow(/^line 12: not JSON/);
    expect(() => parseCaptureLine('[1,2]', 3)).toThrow(CaptureLineError);
    expect(() => parseCaptureLine('{"value":"x","partition":-1}', 3)).toThrow(/line 3: "partition" must be a non-negative integer/);
    expect(() => parseCaptureLine('{"valueBase64":"not base64!"}', 9)).toThrow(/line 9: valueBase64 must be base64/);
    expect(() => parseCaptureLine('{"value":"x","headers":["odd"]}', 2)).toThrow(/pairs/);
  });
});

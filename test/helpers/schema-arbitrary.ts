// fast-check arbitraries driven by our Kafka message schemas: any valid value of any (message, version), for codec
// fuzzing. Reads the same FieldDef tables as the codec (src/protocol/schema.ts), so every message and version is
// covered without a generator written per API.
import fc from 'fast-check';
import { inRange, parseRange, type FieldDef, type MessageDef, type PrimType } from '../../src/protocol/schema.js';
import * as schemas from '../../src/protocol/schemas/index.js';

const short = { maxLength: 12 };

function prim(t: PrimType): fc.Arbitrary<unknown> {
  switch (t) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.maxSafeInteger(); // the codec reads int64 as a JS number
    case 'float64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ ...short, unit: 'binary' });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a));
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
  }
}

function field(f: FieldDef, version: number): fc.Arbitrary<unknown> {
  let arb: fc.Arbitrary<unknown>;
  if (f.type === '{}') arb = struct(f.fields ?? [], version);
  else if (f.type === '[]') arb = fc.array(struct(f.fields ?? [], version), { maxLength: 3 });
  else if (f.type.startsWith('[]')) arb = fc.array(prim(f.type.slice(2) as PrimType), { maxLength: 4 });
  else arb = prim(f.type as PrimType);
  const nullable = inRange(f.nullableVersions, version) || f.type === 'records';
  return nullable ? fc.option(arb, { nil: null, freq: 4 }) : arb;
}

function struct(fields: readonly FieldDef[], version: number): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) if (inRange(f.versions, version)) model[f.name] = field(f, version);
  return fc.record(model);
}

/** Any value of `def` at `version`, as a handler would pass it to the encoder. */
export function messageArbitrary(def: MessageDef, version: number): fc.Arbitrary<Record<string, unknown>> {
  return struct(def.fields, version);
}

export interface MessageVersion {
  def: MessageDef;
  version: number;
}

/** Every message schema we have (requests and responses) at every version it supports. */
export function allMessageVersions(kind: 'Request' | 'Response' | 'both' = 'both'): MessageVersion[] {
  const out: MessageVersion[] = [];
  for (const def of Object.values(schemas) as MessageDef[]) {
    if (kind !== 'both' && !def.name.endsWith(kind)) continue;
    const [lo, hi] = parseRange(def.validVersions);
    for (let v = lo; v <= hi; v++) out.push({ def, version: v });
  }
  return out;
}

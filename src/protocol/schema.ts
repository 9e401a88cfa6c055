import { DecodeError, Reader } from './reader.js';
import { Writer } from './writer.js';

/**
 * Message schemas mirror Apache Kafka's clients/src/main/resources/common/message/*.json:
 * the same field names (camelCased), version ranges, nullable/tagged versions and
 * flexible versions. One interpreter compiles each (message, version) into closures once.
 */
export type PrimType = 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'bytes' | 'records' | 'uuid';

export interface FieldDef {
  readonly name: string;
  /** A primitive, `[]prim` for an array of primitives, `[]` for an array of structs, `{}` for a struct. */
  readonly type: PrimType | `[]${PrimType}` | '[]' | '{}';
  /** '3+', '0-4', or 'none'. */
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: unknown;
  readonly fields?: readonly FieldDef[];
}

export interface MessageDef {
  readonly name: string;
  readonly apiKey: number;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

export function defineMessage<const M extends MessageDef>(m: M): M {
  return m;
}

// ---- Types derived from schemas ---------------------------------------------------------

interface DecodedPrim {
  int8: number; int16: number; uint16: number; int32: number; int64: number; float64: number;
  bool: boolean; string: string; bytes: Buffer; records: Buffer | null; uuid: Buffer;
}
interface EncodablePrim extends Omit<DecodedPrim, 'records'> {
  records: Buffer | Buffer[] | null;
}

type Base<F, P, Mode> = F extends { type: '[]'; fields: infer S extends readonly FieldDef[] }
  ? Struct<S, Mode>[]
  : F extends { type: '{}'; fields: infer S extends readonly FieldDef[] }
    ? Struct<S, Mode>
    : F extends { type: `[]${infer T extends PrimType}` }
      ? P[T & keyof P][]
      : F extends { type: infer T extends PrimType }
        ? P[T & keyof P]
        : never;
type Value<F, P, Mode> = F extends { nullableVersions: string } ? Base<F, P, Mode> | null : Base<F, P, Mode>;
type Optional<F> = F extends { default: unknown } ? true : F extends { tag: number } ? true : false;

type Struct<S extends readonly FieldDef[], Mode> = Mode extends 'decode'
  ? { -readonly [F in S[number] as F['name']]: Value<F, DecodedPrim, Mode> }
  : { -readonly [F in S[number] as Optional<F> extends true ? never : F['name']]: Value<F, EncodablePrim, Mode> } & {
      -readonly [F in S[number] as Optional<F> extends true ? F['name'] : never]?: Value<F, EncodablePrim, Mode>;
    };

/** What a decoded request looks like: every field present (defaults fill versions that lack it). */
export type Decoded<M extends MessageDef> = Struct<M['fields'], 'decode'>;
/** What a handler must supply to encode a response: fields with defaults or tags may be omitted. */
export type Encodable<M extends MessageDef> = Struct<M['fields'], 'encode'>;

// ---- Version ranges --------------------------------------------------------------------

export function parseRange(range: string | undefined): [number, number] {
  if (!range || range === 'none') return [1, 0];
  const plus = /^(\d+)\+$/.exec(range);
  if (plus) return [Number(plus[1]), Number.MAX_SAFE_INTEGER];
  const span = /^(\d+)-(\d+)$/.exec(range);
  if (span) return [Number(span[1]), Number(span[2])];
  if (/^\d+$/.test(range)) return [Number(range), Number(range)];
  throw new Error(`bad version range '${range}'`);
}

export function inRange(range: string | undefined, v: number): boolean {
  const [lo, hi] = parseRange(range);
  return v >= lo && v <= hi;
}

// ---- Compilation -----------------------------------------------------------------------

type ReadFn = (r: Reader) => unknown;
type WriteFn = (w: Writer, v: any) => void;

interface CompiledStruct {
  read: ReadFn;
  write: WriteFn;
  defaults: () => Record<string, unknown>;
}

function defaultFor(f: FieldDef): () => unknown {
  if (f.default !== undefined) {
    const d = f.default;
    return () => d;
  }
  if (f.type.startsWith('[]')) return () => [];
  switch (f.type) {
    case 'bool': return () => false;
    case 'string': return () => '';
    case 'bytes': return () => Buffer.alloc(0);
    case 'records': return () => null;
    case 'uuid': return () => Buffer.alloc(16);
    case '{}': {
      const sub = f.fields ?? [];
      return () => Object.fromEntries(sub.map((s) => [s.name, defaultFor(s)()]));
    }
    default: return () => 0;
  }
}

function primReader(t: PrimType, nullable: boolean, flex: boolean): ReadFn {
  switch (t) {
    case 'int8': return (r) => r.int8();
    case 'int16': return (r) => r.int16();
    case 'uint16': return (r) => r.uint16();
    case 'int32': return (r) => r.int32();
    case 'int64': return (r) => r.int64();
    case 'float64': return (r) => r.float64();
    case 'bool': return (r) => r.bool();
    case 'uuid': return (r) => r.uuid();
    case 'string':
      if (flex) return nullable ? (r) => r.compactNullableString() : (r) => r.compactString();
      return nullable ? (r) => r.nullableString() : (r) => r.string();
    case 'bytes':
      if (flex) return nullable ? (r) => r.compactNullableBytes() : (r) => r.compactBytes();
      return nullable ? (r) => r.nullableBytes() : (r) => r.bytes();
    case 'records':
      return flex ? (r) => r.compactNullableBytes() : (r) => r.nullableBytes();
  }
}

function primWriter(t: PrimType, flex: boolean): WriteFn {
  switch (t) {
    case 'int8': return (w, v) => w.int8(v);
    case 'int16': return (w, v) => w.int16(v);
    case 'uint16': return (w, v) => w.uint16(v);
    case 'int32': return (w, v) => w.int32(v);
    case 'int64': return (w, v) => w.int64(v);
    case 'float64': return (w, v) => w.float64(v);
    case 'bool': return (w, v) => w.bool(v);
    case 'uuid': return (w, v: Buffer) => w.raw(v.length === 16 ? v : Buffer.alloc(16));
    case 'string':
      return flex ? (w, v) => w.compactNullableString(v) : (w, v) => w.nullableString(v);
    case 'bytes':
      return (w, v) => w.bytes(v, flex);
    case 'records':
      return (w, v) => (Array.isArray(v) ? w.chunked(v, flex) : w.bytes(v, flex));
  }
}

function fieldCodec(f: FieldDef, version: number, flex: boolean): { read: ReadFn; write: WriteFn } {
  const nullable = inRange(f.nullableVersions, version);
  if (f.type === '{}') {
    const s = compileStruct(f.fields ?? [], version, flex);
    return { read: s.read, write: s.write };
  }
  if (f.type.startsWith('[]')) {
    const elem: { read: ReadFn; write: WriteFn } =
      f.type === '[]' ? compileStruct(f.fields ?? [], version, flex) : { read: primReader(f.type.slice(2) as PrimType, false, flex), write: primWriter(f.type.slice(2) as PrimType, flex) };
    const name = f.name;
    return {
      read: (r) => {
        const n = r.arrayLength(flex);
        if (n < 0) {
          if (!nullable) throw new DecodeError(`null array for non-nullable field ${name}`);
          return null;
        }
        const out: unknown[] = []; // not new Array(n): a large n makes a slow dictionary array, and n is the sender's word
        for (let i = 0; i < n; i++) out.push(elem.read(r));
        return out;
      },
      write: (w, v: unknown[] | null | undefined) => {
        if (v === null || v === undefined) {
          if (flex) w.uvarint(0);
          else w.int32(-1);
          return;
        }
        if (flex) w.uvarint(v.length + 1);
        else w.int32(v.length);
        for (const e of v) elem.write(w, e);
      },
    };
  }
  return { read: primReader(f.type as PrimType, nullable, flex), write: primWriter(f.type as PrimType, flex) };
}

function compileStruct(fields: readonly FieldDef[], version: number, flex: boolean): CompiledStruct {
  const regular: { name: string; read: ReadFn; write: WriteFn; def: () => unknown }[] = [];
  const tagged = new Map<number, { name: string; read: ReadFn; write: WriteFn; def: () => unknown }>();
  const absent: { name: string; def: () => unknown }[] = [];
  for (const f of fields) {
    const def = defaultFor(f);
    if (!inRange(f.versions, version)) {
      absent.push({ name: f.name, def });
      continue;
    }
    const codec = fieldCodec(f, version, flex);
    if (flex && f.tag !== undefined && inRange(f.taggedVersions ?? f.versions, version)) {
      tagged.set(f.tag, { name: f.name, ...codec, def });
      absent.push({ name: f.name, def });
    } else {
      regular.push({ name: f.name, ...codec, def });
    }
  }
  const taggedList = [...tagged.entries()].sort((a, b) => a[0] - b[0]);
  const defaults = () => Object.fromEntries(fields.map((f) => [f.name, defaultFor(f)()]));

  const read: ReadFn = (r) => {
    const o: Record<string, unknown> = {};
    for (const a of absent) o[a.name] = a.def();
    for (const f of regular) o[f.name] = f.read(r);
    if (flex) {
      r.taggedFields((tag, sub) => {
        const t = tagged.get(tag);
        if (t) o[t.name] = t.read(sub);
      });
    }
    return o;
  };

  const write: WriteFn = (w, o: Record<string, unknown>) => {
    for (const f of regular) {
      const v = o[f.name];
      f.write(w, v === undefined ? f.def() : v);
    }
    if (!flex) return;
    const present = taggedList.filter(([, t]) => o[t.name] !== undefined && o[t.name] !== null);
    w.uvarint(present.length);
    for (const [tag, t] of present) {
      const sub = new Writer(64);
      t.write(sub, o[t.name]);
      const bytes = sub.toBuffer();
      w.uvarint(tag).uvarint(bytes.length).raw(bytes);
    }
  };

  return { read, write, defaults };
}

export interface MessageCodec<M extends MessageDef> {
  decode(r: Reader): Decoded<M>;
  encode(w: Writer, value: Encodable<M>): void;
}

const cache = new WeakMap<MessageDef, Map<number, MessageCodec<any>>>();

/** The codec for one version of a message; compiled on first use and cached. */
export function codecFor<M extends MessageDef>(def: M, version: number): MessageCodec<M> {
  let byVersion = cache.get(def);
  if (!byVersion) cache.set(def, (byVersion = new Map()));
  let c = byVersion.get(version);
  if (!c) {
    if (!inRange(def.validVersions, version)) throw new DecodeError(`${def.name} v${version} is not supported`);
    const s = compileStruct(def.fields, version, inRange(def.flexibleVersions, version));
    c = { decode: (r) => s.read(r) as Decoded<M>, encode: (w, v) => s.write(w, v) };
    byVersion.set(version, c);
  }
  return c;
}

export function isFlexible(def: MessageDef, version: number): boolean {
  return inRange(def.flexibleVersions, version);
}

// Raw Kafka request frames for scenarios that must send what no client library would (hostile requests), built
// with the project's own codec from dist/ (the harness builds it first).
const DIST = new URL('../dist/src/protocol/', import.meta.url);

export async function loadCodec() {
  const { codecFor, isFlexible } = await import(new URL('schema.js', DIST).href);
  const { Writer } = await import(new URL('writer.js', DIST).href);
  const schemas = {
    ApiVersions: (await import(new URL('schemas/api-versions.js', DIST).href)).ApiVersionsRequest,
    Fetch: (await import(new URL('schemas/fetch.js', DIST).href)).FetchRequest,
  };
  let correlationId = 1;
  return {
    /** One request frame (size prefix included) for `api` at `version`. */
    frame(api, version, body) {
      const def = schemas[api];
      const w = new Writer(1024);
      w.int32(0).int16(def.apiKey).int16(version).int32(correlationId++).nullableString('tributary-bench');
      if (isFlexible(def, version)) w.uvarint(0);
      codecFor(def, version).encode(w, body);
      const buf = w.toBuffer();
      buf.writeInt32BE(buf.length - 4, 0);
      return buf;
    },
  };
}

// Sums the ArrayBuffer backing stores of a V8 heap snapshot by their retainer path (the shortest path from the GC
// roots, as a breadth-first walk over strong edges finds it), so "who holds the ArrayBuffers" has an answer without a
// GUI. Usage: node bench/heap-retainers.js FILE.heapsnapshot [depth=8] [top=25]
// Bench-only. Sizes are the backing stores' self sizes (V8's JSArrayBufferData nodes); a pooled Buffer's 8 KiB slab
// counts once, on the path of whichever view the walk reached first.
import { readFileSync } from 'node:fs';

const [file, depthArg, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/heap-retainers.js FILE.heapsnapshot [depth] [top]');
const depth = Number(depthArg || 8);
const top = Number(topArg || 25);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const m = snap.snapshot.meta;
const NF = m.node_fields.length;
const EF = m.edge_fields.length;
const nType = m.node_fields.indexOf('type');
const nName = m.node_fields.indexOf('name');
const nSelf = m.node_fields.indexOf('self_size');
const nEdges = m.node_fields.indexOf('edge_count');
const eType = m.edge_fields.indexOf('type');
const eName = m.edge_fields.indexOf('name_or_index');
const eTo = m.edge_fields.indexOf('to_node');
const nodeTypes = m.node_types[nType];
const edgeTypes = m.edge_types[eType];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + nEdges] * EF;
}
firstEdge[count] = edges.length;

// Breadth-first from the root (node 0) over strong edges: parent and the edge's name for each node reached.
const parent = new Int32Array(count).fill(-1);
const parentEdge = new Int32Array(count).fill(-1);
const seen = new Uint8Array(count);
const queue = new Int32Array(count);
let head = 0;
let tail = 0;
queue[tail++] = 0;
seen[0] = 1;
while (head < tail) {
  const n = queue[head++];
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
    const t = edgeTypes[edges[e + eType]];
    if (t === 'weak' || t === 'shortcut') continue;
    const to = edges[e + eTo] / NF;
    if (seen[to]) continue;
    seen[to] = 1;
    parent[to] = n;
    parentEdge[to] = e;
    queue[tail++] = to;
  }
}

const nameOf = (n) => {
  const type = nodeTypes[nodes[n * NF + nType]];
  const name = strings[nodes[n * NF + nName]];
  if (type === 'object' || type === 'native' || type === 'closure') return name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return `(${type})`;
};
const edgeLabel = (e) => {
  const t = edgeTypes[edges[e + eType]];
  const v = edges[e + eName];
  return t === "element" || t === "hidden" ? "[]" : String(strings[v]);
};

const byPath = new Map();
let total = 0;
let unreached = 0;
for (let n = 0; n < count; n++) {
  const name = strings[nodes[n * NF + nName]];
  if (!name.includes('JSArrayBufferData') && !(nodeTypes[nodes[n * NF + nType]] === 'native' && name === 'system / JSArrayBufferData')) continue;
  const size = nodes[n * NF + nSelf];
  total += size;
  if (parent[n] < 0) {
    unreached += size;
    continue;
  }
  // The path upward: skip the ArrayBuffer and typed-array wrappers' own links, keep named objects and edge names.
  const parts = [];
  let c = n;
  while (parent[c] >= 0 && parts.length < depth) {
    const p = parent[c];
    parts.push(`${nameOf(p)}.${edgeLabel(parentEdge[c])}`);
    c = p;
  }
  const key = parts.join(' <- ');
  const cur = byPath.get(key) ?? { bytes: 0, count: 0 };
  cur.bytes += size;
  cur.count++;
  byPath.set(key, cur);
}
const rows = [...byPath.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
console.log(`ArrayBuffer backing stores: ${(total / 1048576).toFixed(1)} MiB in total, ${(unreached / 1048576).toFixed(1)} MiB not reached from the roots`);
for (const [k, v] of rows) console.log(`${(v.bytes / 1048576).toFixed(2).padStart(8)} MiB ${String(v.count).padStart(7)}×  ${k}`);

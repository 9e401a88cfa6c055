// What the alert tap's query dispatch (src/alerts/query-dispatch.ts) saves per decoded record: one error record of the
// alerts bench (bench/alerts.js) tested against its 41 distinct queries, with and without the dispatch, CPU time,
// in-process, alternating runs. Needs `npx tsc -p tsconfig.json` (dist/).  node bench/alerts-dispatch.js
import { compileQuery, SharedRecordContext, queryByteRequirement } from '../dist/src/query/language/index.js';
import { QueryDispatch } from '../dist/src/alerts/query-dispatch.js';
const texts = ['level:error', ...Array.from({ length: 20 }, (_, n) => `level:error service:svc${n}`), ...Array.from({ length: 20 }, (_, n) => `"timeout" service:svc${n}`)];
const shared = new SharedRecordContext();
const qs = texts.map((t) => compileQuery(t, { shared }));
const d = new QueryDispatch(texts.map((t) => queryByteRequirement(t)));
const recs = Array.from({ length: 6000 }, (_, k) => { const i = k * 50; const v = Buffer.from(`ts=2026-12-03T10:00:00Z level=error host=host${i % 50} service=svc${i % 20} latency_ms=${i % 997} msg="upstream timeout after 30s id=${i}"`); return { topic: 't', partition: 0, offset: k, timestamp: 0, key: null, value: v, headers: [] }; });
function run(useD) { let m = 0; for (const r of recs) { if (useD) d.record(r.value, 0, r.value.length); for (let i = 0; i < qs.length; i++) { if (useD && !d.mayMatch(i)) continue; if (qs[i].matches(r)) m++; } } return m; }
for (const useD of [false, true, false, true, false, true]) { const t = process.cpuUsage(); let m = 0; for (let rep = 0; rep < 20; rep++) m = run(useD); const u = process.cpuUsage(t); console.log(useD ? 'dispatch' : 'all 41  ', ((u.user + u.system) / (20 * recs.length)).toFixed(3), 'µs CPU per decoded record; matches', m); }

import { collectRaw } from '../common/level/index.js';
import { RecordContext } from '../query/language/record-fields.js';
import type { Reshape } from './flow-config.js';
import type { FlowRecord } from './target.js';

/**
 * A derived topic's value: a JSON object of the chosen fields only, read with the query language's own field lookup
 * (so `host` here is what `host:web-1` matches). From JSON, values keep their JSON type (a number stays a number);
 * from logfmt they are strings. A field the value lacks is answered by a header or a built-in (`_time`, `_key`, …)
 * of that name, and left out when none has it.
 */
export class Reshaper {
  private readonly ctx = new RecordContext();

  constructor(private readonly spec: Reshape) {}

  value(r: FlowRecord): string {
    const ctx = this.ctx.reset(r);
    const out: Record<string, unknown> = {};
    const obj = this.spec.from === 'json' ? ctx.jsonObject() : null;
    for (const field of this.spec.fields) {
      if (obj) {
        const found: unknown[] = [];
        collectRaw(obj, field, found);
        const present = found.filter((v) => v !== null && v !== undefined);
        if (present.length > 0) {
          out[field] = present.length === 1 ? present[0] : present;
          continue;
        }
      } else if (this.spec.from === 'logfmt') {
        const vs = ctx.logfmt(field);
        if (vs.length > 0) {
          out[field] = vs.length === 1 ? vs[0] : vs;
          continue;
        }
      }
      const vs = ctx.headerValues(field) ?? (field.startsWith('_') ? ctx.values(field) : null);
      if (vs && vs.length > 0) out[field] = vs.length === 1 ? vs[0] : vs;
    }
    return JSON.stringify(out);
  }
}

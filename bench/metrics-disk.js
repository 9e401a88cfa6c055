// Bytes a directory tree holds on disk, as `du -sb` (apparent: the files' sizes) and `du -s` (allocated blocks).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** { apparent, allocated, files } of everything under dir (symlinks not followed). */
export function dirBytes(dir) {
  const out = { apparent: 0, allocated: 0, files: 0 };
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // a part merged away meanwhile
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        let st;
        try {
          st = statSync(p);
        } catch {
          continue; // merged away meanwhile
        }
        out.apparent += st.size;
        out.allocated += st.blocks * 512;
        out.files++;
      }
    }
  };
  walk(dir);
  return out;
}

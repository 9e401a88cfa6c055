// logrotate's two ways to rotate a log, done synchronously the way logrotate does them: existing rotated files shift
// up (`app.log.2.gz` → `app.log.3.gz`, oldest first), then either the log is renamed to `app.log.1` (the writer
// creates a new one) or it is copied to `app.log.1` and truncated in place (copytruncate). With `compress`, the new
// `app.log.1` becomes `app.log.1.gz` right away, keeping its modification time as gzip does.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export type RotationKind = 'rename' | 'copytruncate';

function rotatedNumber(file: string, name: string): number | null {
  const base = path.basename(file);
  const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)(\\.gz)?$`).exec(name);
  return m ? Number(m[1]) : null;
}

export function rotate(file: string, kind: RotationKind, { compress = false }: { compress?: boolean } = {}): void {
  const dir = path.dirname(file);
  const rotated = fs
    .readdirSync(dir)
    .map((name) => ({ name, n: rotatedNumber(file, name) }))
    .filter((x): x is { name: string; n: number } => x.n !== null)
    .sort((a, b) => b.n - a.n);
  for (const { name, n } of rotated) fs.renameSync(path.join(dir, name), path.join(dir, name.replace(`.${n}`, `.${n + 1}`)));
  const first = `${file}.1`;
  if (kind === 'rename') fs.renameSync(file, first);
  else {
    fs.copyFileSync(file, first);
    fs.truncateSync(file, 0);
  }
  if (compress) {
    const st = fs.statSync(first);
    fs.writeFileSync(`${first}.gz`, gzipSync(fs.readFileSync(first)));
    fs.utimesSync(`${first}.gz`, st.atime, st.mtime);
    fs.unlinkSync(first);
  }
}

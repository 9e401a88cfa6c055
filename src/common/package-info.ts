import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string | null; version: string } | null = null;

/** package.json sits above both src/ (tests) and dist/src/ (built), so it is searched for upward, not hard-coded. */
function find(): { root: string | null; version: string } {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tributary' && pkg.version) return (cached = { root: dir, version: pkg.version });
    } catch {
      // not here; keep looking upward
    }
  }
  return (cached = { root: null, version: 'unknown' });
}

/** Tributary's version, from its package.json ('unknown' if it cannot be found). */
export function packageVersion(): string {
  return find().version;
}

/** The directory of Tributary's package.json (where renderer/ and docs/ are), or null. */
export function packageRoot(): string | null {
  return find().root;
}

// A small tmpfs for disk-full tests (Linux, root): mounted on a directory, unmounted after.
import { execFileSync } from 'node:child_process';

/** Mounts a tmpfs of `size` (e.g. "16m") on `dir`; returns why it is not possible, or null. */
export function mountTmpfs(dir: string, size: string): string | null {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return `cannot mount a tmpfs on ${dir} (${(e.stderr?.toString() || e.message).trim()}); run the tests as root`;
  }
}

export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // something still holds it: detached now, freed when released
  }
}

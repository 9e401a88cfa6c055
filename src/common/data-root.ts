import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where an application keeps its data on this platform: `~/.local/share/<name>` (or `$XDG_DATA_HOME/<name>`) on
 * Linux, `~/Library/Application Support/<Name>` on macOS, `%APPDATA%\<Name>` on Windows.
 */
export function platformDataDir(linuxName: string, displayName: string): string {
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', displayName);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), displayName);
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), linuxName);
}

/** The broker's (the desktop app's) data directory. */
export function defaultDataDir(): string {
  return platformDataDir('tributary', 'Tributary');
}

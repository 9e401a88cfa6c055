/** Where the shell's files are, relative to the compiled main/ (dist/main/ in a checkout and in app.asar alike). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export interface ShellPaths {
  preload: string;
  /** The core's entry, run in a utility process. */
  coreEntry: string;
  /** Window icon (Linux, Windows; macOS takes the bundle's). */
  windowIcon: string;
  trayIcon: string;
}

export const SHELL_PATHS: ShellPaths = {
  preload: join(here, 'preload.cjs'),
  coreEntry: join(root, 'dist', 'src', 'app', 'desktop-core-main.js'),
  windowIcon: join(root, 'assets', 'icons', '512x512.png'),
  trayIcon: join(root, 'assets', 'icons', '32x32.png'),
};

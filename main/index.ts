/** Electron's entry (package.json "main"): the whole shell is wired in desktop.ts. */
import { startDesktop } from './desktop.js';

startDesktop();

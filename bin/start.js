#!/usr/bin/env node
// `npm start`: until the desktop shell lands, run the broker in the foreground with the default data directory.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: tributary is not built yet — run `npm install` (or `npm run build`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main([process.argv[0], process.argv[1], 'serve', ...process.argv.slice(2)]);

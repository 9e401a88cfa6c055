#!/usr/bin/env node
// Launcher for the CLI, which is TypeScript compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: tributary is not built yet — run `npm run build` in the project directory\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);

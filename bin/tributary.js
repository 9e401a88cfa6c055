#!/usr/bin/env node
// Launcher for the CLI, which is TypeScript compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { relaunchWithEnv } from './relaunch.js';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: tributary is not built yet — run `npm run build` in the project directory\n');
  process.exit(1);
}
// `serve` runs the core, which needs glibc's malloc settings from its start (src/common/malloc-env.ts): without them
// it runs again as a child that has them. The other commands are short-lived clients and start as they are.
const relaunched = process.argv[2] === 'serve' && relaunchWithEnv((await import(new URL('../dist/src/common/malloc-env.js', import.meta.url).href)).missingCoreMallocEnv(process.env));
if (!relaunched) {
  const { main } = await import(entry.href);
  await main(process.argv);
}

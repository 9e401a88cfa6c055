#!/usr/bin/env node
// `npm run openapi`: writes docs/openapi.json from the routes' schemas (test/server/openapi.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';

const { openApiText } = await import(new URL('../dist/src/server/index.js', import.meta.url).href);
const { packageVersion } = await import(new URL('../dist/src/common/package-info.js', import.meta.url).href);
const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, await openApiText(packageVersion()));
process.stdout.write(`wrote ${file.pathname}\n`);

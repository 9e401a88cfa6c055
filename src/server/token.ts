import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, writeFullySync } from '../common/atomic-file.js';
import type { Logger } from '../common/logger.js';

/** Where the API token lives, inside the data directory's metadata folder. */
export const TOKEN_FILE = path.join('__meta', 'api-token');
/** 32 random bytes, base64url: 256 bits, 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22,128}$/;

/** A new token, written atomically with mode 0600 (readable by this user only). */
function createToken(file: string): string {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    writeFullySync(fd, Buffer.from(`${token}\n`));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirSync(path.dirname(file));
  return token;
}

/**
 * The API token of this data directory: read from `__meta/api-token`, or created there on first start. A file that
 * others may read is narrowed to 0600 (with a warning); one that does not hold a token is replaced.
 */
export function loadOrCreateToken(dataDir: string, log: Logger): string {
  const file = path.join(dataDir, TOKEN_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the API token ${file}: ${(e as Error).message}; fix its permissions or delete it to get a new token`);
    return createToken(file);
  }
  if (!TOKEN_SHAPE.test(text)) {
    log.warn(`${file} does not hold an API token; writing a new one (open the new URL printed below)`);
    return createToken(file);
  }
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
    log.warn(`${file} was readable by other users; its mode is now 0600`);
  }
  return text;
}

// Passwords come from a file or the environment, never the command line (where `ps` and shell history show them).
import { readFileSync } from 'node:fs';
import { InvalidValueError } from './invalid-value.js';

export const SASL_PASSWORD_ENV = 'TRIBUTARY_SASL_PASSWORD';

/** A secret file's text without its final line break (files written by `echo` have one); fails naming the file. */
export function readSecretFile(file: string, what = 'password'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidValueError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, file);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new InvalidValueError(`the ${what} file ${file} is empty`, file);
  return secret;
}

/** The SASL password: from `file` when given, else from TRIBUTARY_SASL_PASSWORD, else null. */
export function saslPassword(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (file !== undefined) return readSecretFile(file);
  const fromEnv = env[SASL_PASSWORD_ENV];
  return fromEnv === undefined || fromEnv === '' ? null : fromEnv;
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/create-logger.js';

/** Reads a key given as 64 hex characters or base64 of 32 bytes; undefined when it is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/**
 * The key that encrypts connection secrets: JUNCTION_SECRET_KEY when set, otherwise one generated
 * into `<dataDir>/secret.key` on first start (with a warning: every process sharing the database
 * must then be given the same key).
 */
export async function loadSecretKey(options: {
  configured: string | undefined;
  dataDir: string;
  logger: Logger;
}): Promise<Buffer> {
  if (options.configured) {
    const key = parseSecretKey(options.configured);
    if (!key)
      throw new Error('JUNCTION_SECRET_KEY must be 32 bytes, as 64 hex characters or base64.');
    return key;
  }
  const file = path.join(options.dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = parseSecretKey(await readFile(file, 'utf8'));
    if (!key) throw new Error(`${file} does not hold a 32-byte key.`);
    return key;
  }
  await mkdir(options.dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  options.logger.warn(
    { file },
    'JUNCTION_SECRET_KEY is not set: generated a key for connection secrets. Back it up; processes that share this database must all use it (set JUNCTION_SECRET_KEY).',
  );
  return key;
}

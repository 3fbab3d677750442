import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const kitDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = resolve(kitDir, '..', 'node_modules', 'typescript', 'bin', 'tsc');

// The *.test-d.ts files assert inference with expectTypeOf and @ts-expect-error; this runs the
// compiler over them (and every test and fixture) so a broken assertion fails the suite.
describe('type-level tests', () => {
  it('compile without errors', async () => {
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.test.json'], {
      cwd: kitDir,
    }).catch((error: { stdout?: string; code?: number }) => error);
    expect('stdout' in result ? result.stdout : '').toBe('');
  }, 60_000);
});

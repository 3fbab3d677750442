import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

function findVitest(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, 'node_modules', 'vitest', 'vitest.mjs');
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * `junction-kit test [dir]`: runs the plugin's tests once with vitest; resolves to its exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await testCommand('.', []);
 * ```
 */
export async function testCommand(dir: string, extraArgs: readonly string[]): Promise<number> {
  if (!existsSync(join(dir, 'package.json'))) {
    throw new CliError(`There is no package.json in ${dir}; run this in a plugin folder.`, 2);
  }
  const vitest = findVitest(dir);
  if (!vitest) {
    throw new CliError('vitest is not installed in this plugin; run "npm install -D vitest".');
  }
  const child = spawn(process.execPath, [vitest, 'run', ...extraArgs], {
    cwd: dir,
    stdio: 'inherit',
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

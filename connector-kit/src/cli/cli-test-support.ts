// Helpers for the CLI tests (not exported from the package).
import { execFile } from 'node:child_process';
import { mkdir, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const kitDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const rootDir = resolve(kitDir, '..');
export const cliPath = resolve(kitDir, 'dist', 'cli', 'main.js');
export const tscPath = resolve(rootDir, 'node_modules', 'typescript', 'bin', 'tsc');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <args>` in `cwd` with a hard timeout; never throws on a non-zero exit. */
export function runNode(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [...args], { cwd, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * Builds the kit itself so the CLI under test is the current source. Test files run in
 * parallel, so builds are serialised with a lock folder (`tsc -b` is a fast no-op when fresh).
 */
export async function buildKit(): Promise<void> {
  const lock = join(
    tmpdir(),
    `junction-kit-build-${Buffer.from(kitDir).toString('hex').slice(-32)}.lock`,
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another build holds ${lock}; remove it if stale`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const run = await runNode([tscPath, '-b', kitDir], rootDir, 60_000);
    if (run.code !== 0)
      throw new Error(`building connector-kit failed:\n${run.stdout}${run.stderr}`);
  } finally {
    await rmdir(lock);
  }
}

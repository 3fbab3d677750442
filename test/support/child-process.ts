import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  /** Resolves when the output matches `pattern` (rejects if the process exits first or time runs out). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node <script> ...args` from the repository root, capturing stdout and stderr together.
 * `detached`: as the leader of a process group of its own, as a shell starts a command in a
 * terminal, so that `process.kill(-pid, 'SIGINT')` is what Ctrl-C sends.
 */
export function startNode(
  args: string[],
  env: Record<string, string | undefined>,
  options: { detached?: boolean } = {},
): Child {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // `npm run test:isolated`: the Junction processes a test starts isolate every plugin too.
      ...(process.env.JUNCTION_PLUGIN_ISOLATION
        ? { JUNCTION_PLUGIN_ISOLATION: process.env.JUNCTION_PLUGIN_ISOLATION }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  return {
    process: child,
    output: () => output,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in output:\n${output}`));
        }, timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`process exited before ${pattern}; output:\n${output}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    exited(timeoutMs = 30_000) {
      return Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`process did not exit within ${timeoutMs} ms; output:\n${output}`));
          }, timeoutMs).unref(),
        ),
      ]);
    },
  };
}

/** Runs `junction <args>` (the built CLI) to its end: its exit code and its output. */
export async function runJunctionCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  const child = startNode([path.join(repoRoot, 'core/dist/cli/main.js'), ...args], env);
  const { code } = await child.exited(timeoutMs);
  return { code, output: child.output() };
}

/** Whether a process with this pid is running (signal 0 reaches it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

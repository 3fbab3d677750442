import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileChild } from './compile-child.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** A server under test in its own process, so that its CPU and memory are its own. */
export interface BenchChild {
  readonly pid: number;
  /** What the child sent when it was ready (e.g. its URL). */
  readonly ready: Record<string, unknown>;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): Promise<number>;
  /** Asks the child for a figure (it answers `{ reply: name, ... }` over IPC). */
  ask(name: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Compiles `script` (compile-child.ts) and starts it with Node alone, from the repository root,
 * with `env` (plus PATH and HOME), and waits for its first IPC message `{ ready: ... }`. Its stdout is discarded (request logs
 * are still produced, as in production) unless BENCH_CHILD_LOG names a file; stderr is kept for
 * errors.
 */
export async function startBenchChild(
  script: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<BenchChild> {
  const compiled = await compileChild(path.resolve(import.meta.dirname, script));
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), compiled], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    // BENCH_CHILD_LOG=<file> keeps the servers' logs there (appended) to look into a run.
    stdio: [
      'ignore',
      process.env.BENCH_CHILD_LOG ? openSync(process.env.BENCH_CHILD_LOG, 'a') : 'ignore',
      'pipe',
      'ipc',
    ],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script} was not ready within ${options.timeoutMs ?? 60_000} ms:\n${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.once('message', (message: { ready?: Record<string, unknown> }) => {
      clearTimeout(timer);
      resolve(message.ready ?? {});
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
  const pid = child.pid as number;
  return {
    pid,
    ready,
    async peakRssMb() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      return Math.round(kb / 1024);
    },
    ask(name, extra = {}) {
      return new Promise((resolve) => {
        const onMessage = (message: { reply?: string }) => {
          if (message.reply !== name) return;
          child.off('message', onMessage);
          resolve(message as Record<string, unknown>);
        };
        child.on('message', onMessage);
        child.send({ ...extra, ask: name });
      });
    },
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { EgressRules } from '@junction/connector-kit';
import { hostCodePaths, hostEntryFile, nodeModulesOf } from './host-paths.js';
import type { FromHost, ToHost } from './host-protocol.js';

/** How to start one host for one plugin version. */
export interface HostSpec {
  /** `<id>@<version>`, for messages and the process title. */
  readonly label: string;
  /** The plugin's folder: the only files of its own it may read. */
  readonly dir: string;
  /** Absolute path of its connector entry. */
  readonly entry: string;
  readonly importTag?: string;
  /** Its heap ceiling (--max-old-space-size), in MiB. */
  readonly memoryMb: number;
}

/** A started host process and the channel to it. */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ToHost): boolean;
  /** Each message from the host. */
  onMessage(listener: (message: FromHost) => void): void;
  /** Called once when the process is gone, with a sentence saying how. */
  onExit(listener: (how: string) => void): void;
  readonly exited: boolean;
  /** Stops it at once (SIGKILL). */
  kill(): void;
  /** Its resident size in MiB (Linux), or undefined. */
  rssMb(): Promise<number | undefined>;
}

/** Environment variables a host keeps; everything else (keys, database URL, tokens) is dropped. */
const KEPT_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'NODE_ENV'];

/**
 * Starts a plugin host: `child_process.fork` of the host entry under Node's permission model,
 * reading only its plugin's folder and the host's own code, with a scrubbed environment and a
 * heap ceiling, then sends it `init`.
 */
export function startHostProcess(
  spec: HostSpec,
  mode: 'load' | 'serve',
  egress: EgressRules,
): HostProcess {
  const env: Record<string, string> = {};
  for (const key of KEPT_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  // Its folder, the packages it resolves from there (connector-kit is linked next to installed
  // plugins), and the host's own code.
  const readable = [...new Set([spec.dir, ...nodeModulesOf(spec.dir), ...hostCodePaths()])];
  const child: ChildProcess = fork(hostEntryFile(), [spec.label], {
    execArgv: [
      '--experimental-permission',
      ...readable.map((p) => `--allow-fs-read=${p}`),
      `--max-old-space-size=${spec.memoryMb}`,
      '--no-warnings',
    ],
    env,
    cwd: spec.dir,
    serialization: 'advanced',
    stdio: [
      'ignore',
      'ignore',
      process.env.JUNCTION_PLUGIN_HOST_STDERR ? 'inherit' : 'ignore',
      'ipc',
    ],
  });
  let exited = false;
  const exitListeners: Array<(how: string) => void> = [];
  const finish = (how: string) => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener(how);
  };
  child.on('exit', (code, signal) =>
    finish(signal ? `was stopped by ${signal}` : `exited with code ${code ?? 'unknown'}`),
  );
  child.on('error', (error) => {
    finish(`failed: ${error.message}`);
    child.kill('SIGKILL');
  });
  // A send to a host that is going away fails; its exit fails the calls.
  const send = (message: ToHost) => {
    if (exited || !child.connected) return false;
    try {
      return child.send(message, (error) => {
        if (error) child.kill('SIGKILL');
      });
    } catch {
      child.kill('SIGKILL');
      return false;
    }
  };
  send({
    type: 'init',
    mode,
    entry: spec.entry,
    ...(spec.importTag ? { importTag: spec.importTag } : {}),
    egress,
  });
  return {
    get pid() {
      return child.pid;
    },
    send,
    onMessage(listener) {
      child.on('message', (message) => listener(message as FromHost));
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    get exited() {
      return exited;
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
    async rssMb() {
      if (child.pid === undefined || exited) return undefined;
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => undefined);
      const match = status?.match(/^VmRSS:\s+(\d+)\s+kB/m);
      return match ? Number(match[1]) / 1024 : undefined;
    },
  };
}

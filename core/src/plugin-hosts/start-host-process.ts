import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { EgressRules } from '@junction/connector-kit';
import { createFrameReader, encodeFrame } from './host-channel.js';
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
  /** False when the host is gone; throws for a message structured clone cannot carry. */
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

/** The largest message a host may send unless told otherwise (16 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Starts a plugin host: a Node process running the host entry under Node's permission model,
 * reading only its plugin's folder and the host's own code, with a scrubbed environment and a
 * heap ceiling, then sends it `init`. Messages go both ways as frames over a socket pair (its
 * fd 3), not Node's IPC channel: what the host sends is read frame by frame, and a frame over
 * `maxMessageBytes` is dropped as it arrives (never held) and reported as `oversized` for its
 * call; one of no call, or bytes that are not frames, stop the host.
 */
export function startHostProcess(
  spec: HostSpec,
  mode: 'load' | 'serve',
  egress: EgressRules,
  maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): HostProcess {
  const env: Record<string, string> = {};
  for (const key of KEPT_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  // Its folder, the packages it resolves from there (connector-kit is linked next to installed
  // plugins), and the host's own code.
  const readable = [...new Set([spec.dir, ...nodeModulesOf(spec.dir), ...hostCodePaths()])];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--experimental-permission',
      ...readable.map((p) => `--allow-fs-read=${p}`),
      `--max-old-space-size=${spec.memoryMb}`,
      '--no-warnings',
      hostEntryFile(),
      spec.label,
    ],
    {
      env,
      cwd: spec.dir,
      // A process group of its own: Ctrl-C in Junction's terminal (SIGINT to its group) leaves
      // the hosts serving the calls Junction drains; Junction stops them when it is done, and a
      // host whose Junction is gone sees its channel close and exits.
      detached: true,
      stdio: [
        'ignore',
        'ignore',
        process.env.JUNCTION_PLUGIN_HOST_STDERR ? 'inherit' : 'ignore',
        'pipe',
      ],
    },
  );
  const channel = child.stdio[3] as Socket;
  let exited = false;
  const exitListeners: Array<(how: string) => void> = [];
  const messageListeners: Array<(message: FromHost) => void> = [];
  const finish = (how: string) => {
    if (exited) return;
    exited = true;
    channel.destroy();
    for (const listener of exitListeners) listener(how);
  };
  let stopReason: string | undefined;
  const stop = (reason: string) => {
    stopReason ??= reason;
    if (!exited) child.kill('SIGKILL');
  };
  child.on('exit', (code, signal) =>
    finish(
      stopReason ?? (signal ? `was stopped by ${signal}` : `exited with code ${code ?? 'unknown'}`),
    ),
  );
  child.on('error', (error) => {
    finish(`failed: ${error.message}`);
    child.kill('SIGKILL');
  });
  const emit = (message: FromHost) => {
    for (const listener of messageListeners) listener(message);
  };
  channel.on(
    'data',
    createFrameReader(maxMessageBytes, {
      message: (message) => emit(message as FromHost),
      oversized: (call, bytes) => {
        if (call === 0) {
          stop(
            `was stopped: it sent a message of ${bytes} bytes, over the limit of ${maxMessageBytes}`,
          );
        } else emit({ type: 'oversized', call, bytes });
      },
      broken: () => stop('was stopped: it sent bytes that are not messages'),
    }),
  );
  channel.on('error', () => {});
  // A send to a host that is going away fails; its exit fails the calls. A message structured
  // clone cannot carry (nested too deep) throws, and the host serves on.
  const send = (message: ToHost) => {
    if (exited || channel.destroyed) return false;
    const frame = encodeFrame(message);
    channel.write(frame);
    return true;
  };
  send({
    type: 'init',
    mode,
    entry: spec.entry,
    ...(spec.importTag ? { importTag: spec.importTag } : {}),
    egress,
    maxMessageBytes,
  });
  return {
    get pid() {
      return child.pid;
    },
    send,
    onMessage(listener) {
      messageListeners.push(listener);
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

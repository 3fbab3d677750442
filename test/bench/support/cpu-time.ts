import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * A /proc/<pid>/stat line's CPU times in seconds: the process's own (utime, stime: every thread)
 * and its waited-for children's (cutime, cstime).
 */
function cpuTimes(stat: string): { own: number; children: number } {
  // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 15)
    .map(Number);
  return {
    own: (utime + stime) / TICKS_PER_SECOND,
    children: (cutime + cstime) / TICKS_PER_SECOND,
  };
}

/** CPU seconds (user and system, every thread) a process has used so far; NaN if unknown. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? Number.NaN : cpuTimes(stat).own;
}

/**
 * CPU seconds used so far by every PostgreSQL process on this machine (the server the bench
 * uses, and any other that is idle meanwhile), including backends that have exited: their time
 * is in their postmaster's children's times (cutime, cstime).
 */
export async function postgresCpuSeconds(): Promise<number> {
  const entries = await readdir('/proc').catch(() => undefined);
  if (entries === undefined) return Number.NaN; // no /proc (not Linux): not measured
  let total = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat?.includes(' (postgres) ')) continue;
    const { own, children } = cpuTimes(stat);
    total += own + children;
  }
  return total;
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving database `database` on this machine,
 * by pid (a backend's process title, in /proc/<pid>/cmdline, names its database). Backends that
 * exited are not counted: compare two readings with `backendsCpuSince`.
 */
export async function databaseBackendsCpu(database: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const entries = await readdir('/proc').catch(() => undefined);
  if (entries === undefined) return found; // no /proc (not Linux): not measured
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const title = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => undefined);
    if (!title?.startsWith('postgres: ') || !title.split(' ').includes(database)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat !== undefined) found.set(entry, cpuTimes(stat).own);
  }
  return found;
}

/**
 * CPU seconds the backends of a `databaseBackendsCpu` reading used since an earlier one (a
 * backend that started meanwhile counts whole; one that exited meanwhile is missed); NaN when
 * none was found.
 */
export function backendsCpuSince(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): number {
  if (after.size === 0) return Number.NaN;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/**
 * CPU microseconds per request of the server process, of PostgreSQL and of the load generator
 * (the bench's own process), and the machine's idle share meanwhile: a server that leaves the
 * cores idle under load waits on something other than CPU.
 */
export interface CpuPerRequest {
  readonly cpuUsPerRequest: {
    readonly server: number;
    readonly postgres: number;
    readonly loadGenerator: number;
  };
  readonly machineIdlePercent: number;
}

/** Idle and total CPU seconds of the whole machine so far (every core), from /proc/stat. */
export async function machineCpuSeconds(): Promise<{ idle: number; total: number }> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = stat?.split('\n')[0]?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields) return { idle: Number.NaN, total: Number.NaN };
  // user nice system idle iowait irq softirq steal
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return {
    idle: idle / TICKS_PER_SECOND,
    total: fields.reduce((a, b) => a + b, 0) / TICKS_PER_SECOND,
  };
}

/** CPU seconds used over some work, and the machine's idle share meanwhile. */
export interface CpuSpent {
  /** The server process given (NaN when none was). */
  readonly server: number;
  /** Every PostgreSQL process of the machine. */
  readonly postgres: number;
  /** This process (the bench: the load generator, or a task it runs itself). */
  readonly self: number;
  /** The machine's idle share (0 to 1, every core). */
  readonly idleShare: number;
}

/** Runs `work` and measures the CPU time it cost (see CpuSpent). */
export async function cpuDuring<T>(
  work: () => Promise<T>,
  serverPid?: number,
): Promise<{ result: T; cpu: CpuSpent }> {
  const server0 = serverPid === undefined ? Number.NaN : await processCpuSeconds(serverPid);
  const [postgres0, machine0, self0] = [
    await postgresCpuSeconds(),
    await machineCpuSeconds(),
    process.cpuUsage(),
  ];
  const result = await work();
  const self = process.cpuUsage(self0);
  const server =
    serverPid === undefined ? Number.NaN : (await processCpuSeconds(serverPid)) - server0;
  const postgres = (await postgresCpuSeconds()) - postgres0;
  const machine = await machineCpuSeconds();
  return {
    result,
    cpu: {
      server,
      postgres,
      self: (self.user + self.system) / 1e6,
      idleShare: (machine.idle - machine0.idle) / Math.max(1e-9, machine.total - machine0.total),
    },
  };
}

/** Seconds as microseconds per unit of work (rounded). */
export function microsPer(seconds: number, units: number): number {
  return Math.round((seconds * 1e6) / Math.max(1, units));
}

/**
 * CPU microseconds per request of a server process, of PostgreSQL and of this process (the load
 * generator), over `work`; `requests` counts the requests sent so far (warm-up included, as the
 * CPU time is).
 */
export async function cpuPerRequest<T>(
  serverPid: number,
  work: () => Promise<T>,
  requests: () => number,
): Promise<{ result: T } & CpuPerRequest> {
  const sent0 = requests();
  const { result, cpu } = await cpuDuring(work, serverPid);
  const sent = requests() - sent0;
  return {
    result,
    cpuUsPerRequest: {
      server: microsPer(cpu.server, sent),
      postgres: microsPer(cpu.postgres, sent),
      loadGenerator: microsPer(cpu.self, sent),
    },
    machineIdlePercent: Math.round(100 * cpu.idleShare),
  };
}

import { readFileSync } from 'node:fs';

/**
 * When process `pid` started, in clock ticks since boot (Linux `/proc/<pid>/stat`, field 22), or
 * undefined where there is no /proc. With the pid it names one process for good: a pid that the
 * system gives again to another process after a reboot or a wrap-around has another start time.
 */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether process `pid` runs (EPERM: it runs as another user) and, when `startTicks` is given and
 * the system says, is the same process as when `startTicks` was read.
 */
export function isProcessAlive(pid: number, startTicks?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === undefined) return true;
  const now = processStartTicks(pid);
  return now === undefined || now === startTicks;
}

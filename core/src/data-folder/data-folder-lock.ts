import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, processStartTicks } from './process-identity.js';

/** The process that holds a data folder, as its lock file says. */
export interface DataFolderOwner {
  readonly pid: number;
  /** When the process started (see processStartTicks), to tell it from a later one with its pid. */
  readonly startTicks?: string;
  /** `server` for `junction start`, `command` for a one-shot command such as `plugin list`. */
  readonly kind: 'server' | 'command';
  /** What it runs: `start`, `plugin install`... */
  readonly command: string;
  readonly startedAt: string;
  /** The address its API listens on, once it does. */
  readonly apiUrl?: string;
  /** The port of the embedded PostgreSQL it runs, once that is ready for connections. */
  readonly databasePort?: number;
}

/** A data folder this process holds, until `release()`. */
export interface DataFolderLock {
  readonly file: string;
  /** Records what the owner runs once it knows it (its API address, its database's port). */
  update(patch: Pick<DataFolderOwner, 'apiUrl' | 'databasePort'>): Promise<void>;
  release(): Promise<void>;
}

export type DataFolderClaim =
  | { readonly kind: 'acquired'; readonly lock: DataFolderLock }
  | { readonly kind: 'owned'; readonly owner: DataFolderOwner };

const LOCK_FILE = 'junction.lock';

/** The live process holding `dataDir`, or undefined when none does (a lock left by a killed one is not). */
export function dataFolderOwner(dataDir: string): DataFolderOwner | undefined {
  const owner = readOwner(path.join(dataDir, LOCK_FILE));
  return owner && isProcessAlive(owner.pid, owner.startTicks) ? owner : undefined;
}

/**
 * Takes the data folder for this process, or says which live process holds it. The lock file
 * (`<dataDir>/junction.lock`: pid, start time, command, API address, database port) is created
 * whole and only if absent (a hard link of a written file); one left by a process that is gone
 * (SIGKILL) is taken over, by one process only when several try at once.
 */
export async function claimDataFolder(
  dataDir: string,
  who: Pick<DataFolderOwner, 'kind' | 'command'>,
): Promise<DataFolderClaim> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  let mine: DataFolderOwner = {
    pid: process.pid,
    ...(processStartTicks(process.pid) ? { startTicks: processStartTicks(process.pid) } : {}),
    ...who,
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createWhole(file, mine)) {
      const onExit = () => removeIfMine(file);
      process.once('exit', onExit);
      let released = false;
      const lock: DataFolderLock = {
        file,
        async update(patch) {
          mine = { ...mine, ...patch };
          const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
          await writeFile(temp, `${JSON.stringify(mine, null, 2)}\n`);
          await rename(temp, file);
        },
        async release() {
          if (released) return;
          released = true;
          process.removeListener('exit', onExit);
          removeIfMine(file);
        },
      };
      return { kind: 'acquired', lock };
    }
    const current = readOwner(file);
    if (current && isProcessAlive(current.pid, current.startTicks))
      return { kind: 'owned', owner: current };
    // Left by a process that is gone: move it aside, then make sure what moved is what was judged.
    const aside = `${file}.stale.${process.pid}`;
    try {
      await rename(file, aside);
    } catch {
      continue; // another process moved it first
    }
    const moved = readOwner(aside);
    if (moved && moved.pid !== current?.pid && isProcessAlive(moved.pid, moved.startTicks))
      await link(aside, file).catch(() => {}); // a live owner's, taken over in between: give it back
    await unlink(aside).catch(() => {});
  }
  throw new Error(`Could not take the lock ${file}: other processes keep changing it.`);
}

/** Writes `owner` to a file of its own, then links it as `file` only if `file` does not exist. */
async function createWhole(file: string, owner: DataFolderOwner): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${JSON.stringify(owner, null, 2)}\n`);
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

function readOwner(file: string): DataFolderOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as DataFolderOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Synchronous, so that it also runs in an `exit` listener. */
function removeIfMine(file: string): void {
  if (readOwner(file)?.pid !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** A sentence naming who holds the folder, for refusals and waits. */
export function describeOwner(owner: DataFolderOwner, dataDir: string): string {
  const what = owner.kind === 'server' ? 'Junction' : `the command \`junction ${owner.command}\``;
  const api = owner.apiUrl ? `, API on ${owner.apiUrl}` : '';
  return `${what} (pid ${owner.pid}, started ${owner.startedAt}${api}) is using the data folder ${path.resolve(dataDir)}`;
}

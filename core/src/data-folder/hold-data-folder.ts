import {
  claimDataFolder,
  type DataFolderLock,
  type DataFolderOwner,
  describeOwner,
} from './data-folder-lock.js';

/** A second `junction start` on a data folder that a live Junction holds. */
export class DataFolderInUseError extends Error {
  readonly owner: DataFolderOwner;
  constructor(owner: DataFolderOwner, dataDir: string) {
    super(
      `${describeOwner(owner, dataDir)}: not starting a second one on it. Stop that one first (Ctrl-C in its terminal, or kill ${owner.pid}), or give this one a data folder of its own with JUNCTION_DATA_DIR or --data-dir.`,
    );
    this.name = 'DataFolderInUseError';
    this.owner = owner;
  }
}

/** How long a start or a command waits for a one-shot command, or a starting server, to be done. */
const WAIT_MS = 120_000;

/**
 * Takes the data folder for `junction start`. Refuses (DataFolderInUseError) when a live Junction
 * holds it; waits for a one-shot command that holds it to finish.
 */
export async function holdDataFolderForServer(
  dataDir: string,
  onWait: (sentence: string) => void,
): Promise<DataFolderLock> {
  const deadline = Date.now() + WAIT_MS;
  let said = false;
  while (true) {
    const claim = await claimDataFolder(dataDir, { kind: 'server', command: 'start' });
    if (claim.kind === 'acquired') return claim.lock;
    if (claim.owner.kind === 'server' || Date.now() > deadline)
      throw new DataFolderInUseError(claim.owner, dataDir);
    if (!said) onWait(`${describeOwner(claim.owner, dataDir)}: waiting for it to finish.`);
    said = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What a one-shot command works on: the folder to itself, or a running Junction's database. */
export type CommandFolder =
  | { readonly kind: 'own'; readonly lock: DataFolderLock }
  | { readonly kind: 'server'; readonly owner: DataFolderOwner };

/**
 * Takes the data folder for a one-shot command, or, when a live Junction holds it, answers that
 * Junction once its embedded PostgreSQL is ready (the command then uses it and never stops it).
 * Waits for another one-shot command holding the folder to finish.
 */
export async function holdDataFolderForCommand(
  dataDir: string,
  command: string,
  onWait: (sentence: string) => void,
): Promise<CommandFolder> {
  const deadline = Date.now() + WAIT_MS;
  let said = false;
  while (true) {
    const claim = await claimDataFolder(dataDir, { kind: 'command', command });
    if (claim.kind === 'acquired') return { kind: 'own', lock: claim.lock };
    if (claim.owner.kind === 'server' && claim.owner.databasePort !== undefined)
      return { kind: 'server', owner: claim.owner };
    if (Date.now() > deadline)
      throw new Error(`${describeOwner(claim.owner, dataDir)}, and it has not finished in time.`);
    if (!said) {
      const why =
        claim.owner.kind === 'server'
          ? 'waiting for its database to be ready'
          : 'waiting for it to finish';
      onWait(`${describeOwner(claim.owner, dataDir)}: ${why}.`);
    }
    said = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

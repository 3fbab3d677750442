import path from 'node:path';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { TEST_SECRET_KEY } from '../support/start-junction.js';

// Worker processes run the built dist: `npx tsc -b` first.
const script = path.join(repoRoot, 'test/fixtures/sync-worker-process.mjs');

/** What the fleet's workers said, summed over every process (killed ones included). */
export interface FleetFigures {
  readonly started: number;
  readonly killed: number;
  /** Faults the workers' record types injected, by kind (`429`, `503`). */
  readonly faults: Readonly<Record<string, number>>;
  /** The outcomes of sync runs the workers logged (`echo`, `created`, `updated`, `conflict`...). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/**
 * Real Junction worker processes (test/fixtures/sync-worker-process.mjs) on one database,
 * started, killed with SIGKILL and stopped by the test. Each is given its own fault seed.
 */
export function createWorkerFleet(options: {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly seed: number;
}) {
  const running: Child[] = [];
  const all: Child[] = [];
  let killed = 0;

  function start(faultRate: number): Child {
    const child = startNode([script], {
      DATABASE_URL: options.databaseUrl,
      JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
      JUNCTION_DATA_DIR: options.dataDir,
      JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
      JUNCTION_WORKER_HEARTBEAT_MS: '200',
      JUNCTION_WORKER_REAP_INTERVAL_MS: '300',
      JUNCTION_WORKER_DEAD_AFTER_MS: '1500',
      JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
      JUNCTION_DB_POOL_SIZE: '4',
      SYNC_FAULT_RATE: String(faultRate),
      SYNC_FAULT_SEED: String(options.seed + all.length + 1),
      LOG_LEVEL: 'info',
    });
    running.push(child);
    all.push(child);
    return child;
  }

  /** SIGKILL of the running worker at `index` (modulo their number); resolves once it is gone. */
  async function kill(index: number): Promise<void> {
    const child = running.splice(index % running.length, 1)[0];
    if (!child) return;
    child.process.kill('SIGKILL');
    await child.exited(10_000);
    killed += 1;
  }

  /** Stops every running worker: SIGTERM, SIGKILL after `graceMs`. */
  async function stopAll(graceMs = 15_000): Promise<void> {
    const stopping = running.splice(0);
    for (const child of stopping) child.process.kill('SIGTERM');
    await Promise.allSettled(stopping.map((c) => c.exited(graceMs)));
  }

  function figures(): FleetFigures {
    const faults: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    for (const child of all) {
      for (const line of child.output().split('\n')) {
        const fault = /^fault (\d+) /.exec(line);
        if (fault?.[1]) faults[fault[1]] = (faults[fault[1]] ?? 0) + 1;
        if (!line.includes('"sync ran"')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        for (const [key, value] of Object.entries(entry))
          if (typeof value === 'number' && !['level', 'time', 'pid'].includes(key))
            outcomes[key] = (outcomes[key] ?? 0) + value;
      }
    }
    return { started: all.length, killed, faults, outcomes };
  }

  /** The last lines of every worker's output, for a failure's message. */
  const tails = (lines = 15) =>
    all
      .map(
        (c, i) =>
          `--- worker ${i + 1} (pid ${c.process.pid})\n${c.output().split('\n').slice(-lines).join('\n')}`,
      )
      .join('\n');

  return {
    start,
    kill,
    stopAll,
    figures,
    tails,
    get running() {
      return running.length;
    },
  };
}

export type WorkerFleet = ReturnType<typeof createWorkerFleet>;

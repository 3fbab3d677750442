import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BenchChild, startBenchChild } from './bench-child.js';
import { BENCH_ADMIN_TOKEN, BENCH_SECRET_KEY } from './bench-integration.js';

/** A Junction process for a bench, with its own temporary data folder. */
export interface BenchJunction {
  readonly child: BenchChild;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts test/bench/support/junction-process.ts on `databaseUrl` with `env` over the bench
 * defaults (admin token, secret key, free port, LOG_LEVEL info as `junction start` has).
 */
export async function startBenchJunction(
  databaseUrl: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BenchJunction> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-data-'));
  const child = await startBenchChild(
    'junction-process.ts',
    {
      DATABASE_URL: databaseUrl,
      JUNCTION_DATA_DIR: dataDir,
      JUNCTION_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      JUNCTION_SECRET_KEY: BENCH_SECRET_KEY,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    { nodeArgs },
  );
  return {
    child,
    url: String(child.ready.url),
    async stop() {
      await child.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

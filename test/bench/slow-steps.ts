import { startModelStandIn } from '@junction/plugin-ai/stand-in';
import pg from 'pg';
import {
  benchPost,
  createOneStepIntegration,
  signedDelivery,
} from './support/bench-integration.js';
import type { BenchPostgres } from './support/bench-postgres.js';
import { startBenchJunction } from './support/junction-env.js';
import { createClient, round } from './support/load-generator.js';
import { waitForRuns } from './support/wait-for-runs.js';

const CONCURRENCY = 16;
const RUNS = Number(process.env.BENCH_SLOW_RUNS ?? 64);
const ANSWER_MS = 3000;

/**
 * Slow AI steps free their worker: RUNS (64) events posted at once to an integration whose one
 * step asks the ai connector's model (a loopback stand-in answering each request in 3 s), on one
 * Junction process with worker concurrency 16, once with detached calls (the default) and once
 * with JUNCTION_DETACHED_CALLS_MAX=0 (each call holds its worker slot until it answers): seconds
 * until every run succeeded, and the most requests the model had in flight at once.
 */
export async function runSlowSteps(postgres: BenchPostgres): Promise<Record<string, unknown>> {
  const detached = await once(postgres, 'slow_detached', {});
  const held = await once(postgres, 'slow_held', { JUNCTION_DETACHED_CALLS_MAX: '0' });
  return {
    runs: RUNS,
    modelAnswerMs: ANSWER_MS,
    workerConcurrency: CONCURRENCY,
    detached,
    heldInSlot: held,
    speedup: round(held.seconds / detached.seconds, 1),
  };
}

async function once(postgres: BenchPostgres, name: string, env: Record<string, string>) {
  const model = await startModelStandIn({
    respond: (request) => ({
      content: { number: request.messages[1]?.content ?? '?', total: 12.5 },
      delayMs: ANSWER_MS,
    }),
  });
  const databaseUrl = await postgres.createDatabase(name, { migrated: true });
  const junction = await startBenchJunction(databaseUrl, {
    JUNCTION_ROLE: 'all',
    JUNCTION_WORKER_CONCURRENCY: String(CONCURRENCY),
    ...env,
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const client = createClient(junction.url, 16);
  try {
    const { integrationId, hookPath } = await createExtractIntegration(junction.url, model.url);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const answer = await client.send(signedDelivery(hookPath, `slow-${i}`));
        if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
      }),
    );
    await waitForRuns(db, integrationId, 'succeeded', RUNS, 'the slow runs');
    const seconds = (performance.now() - started) / 1000;
    let inFlight = 0;
    let most = 0;
    for (const event of model.events) {
      inFlight += event.kind === 'received' ? 1 : -1;
      most = Math.max(most, inFlight);
    }
    return {
      seconds: round(seconds, 1),
      mostInFlightAtModel: most,
      requests: model.requests.length,
    };
  } finally {
    client.close();
    await db.end();
    await junction.stop();
    await model.close();
  }
}

/** An integration whose one step extracts an invoice's number and total with the ai connector. */
async function createExtractIntegration(junctionUrl: string, modelUrl: string) {
  const model = await benchPost(junctionUrl)('/v1/connections', {
    name: 'Model (stand-in)',
    connector: 'ai',
    credentials: {},
    settings: { baseUrl: modelUrl },
  });
  return createOneStepIntegration(junctionUrl, {
    name: 'Slow AI steps (bench)',
    crmName: 'CRM (slow steps)',
    step: {
      kind: 'action',
      key: 'extract',
      connector: 'ai',
      connection: model.json.id,
      action: 'extract',
      mapping: {
        model: 'stand-in',
        instructions: 'Read the invoice.',
        text: { var: 'event.id' },
        schema: {
          preserve: {
            type: 'object',
            required: ['number', 'total'],
            properties: { number: { type: 'string' }, total: { type: 'number' } },
          },
        },
      },
    },
  });
}

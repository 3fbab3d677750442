import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { runRolloutExample } from './parallel-run.js';

let junction: TestJunction;
let erp: TestDatabase;
beforeAll(async () => {
  junction = await startTestJunction({
    JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    JUNCTION_WAIT_SWEEP_MS: '200',
    JUNCTION_SHADOW_SETTLE_MS: '500',
  });
  erp = await createTestDatabase();
});
afterAll(async () => {
  await junction?.close();
  await erp?.drop();
});

it('runs the rollout example: shadow reports exactly the manual process’s mistakes, then review, then auto', async () => {
  const lines: string[] = [];
  const result = await runRolloutExample({
    url: junction.url,
    token: ADMIN_TOKEN,
    erpDatabaseUrl: erp.url,
    log: (l) => lines.push(l),
  });
  expect(result.report.writes).toMatchObject({
    intended: 6,
    compared: 6,
    matched: 3,
    discrepant: 3,
  });
  const found = result.report.examples
    .map((d: Record<string, unknown>) => `${d.targetKey} ${d.kind} ${d.field ?? ''}`.trim())
    .sort();
  expect(found).toEqual(['SO-1003 field /values/total', 'SO-1004 missing', 'SO-1006 extra']);
  const typo = result.report.examples.find((d: Record<string, unknown>) => d.kind === 'field');
  expect([typo.intended, typo.actual]).toEqual([125, 215]);
  expect(result.reviewed).toEqual({
    number: 'SO-1007',
    customer: 'GRACE HOPPER',
    total: 77,
    status: 'open',
  });
  expect(result.automatic).toMatchObject({ number: 'SO-1008', total: 19.99 });
  expect(result.stages).toEqual(['auto', 'review-all', 'shadow']);
  expect(result.evidence.find((e) => e.stage === 'review-all')).toMatchObject({
    review: { decided: 1, approvalRate: 1 },
  });
  expect(lines.join('\n')).toContain('SO-1004: missing');
  // In shadow nothing was written by Junction: the ERP rows of the parallel run are the clerks'.
  const { rows } = await junction.junction.database.pool.query(
    `select count(*)::int as n from audit_entries where integration_id = $1 and action = 'record.write'
       and data->>'action' = 'upsert-row' and run_id in (select id from runs where stage = 'shadow')`,
    [result.integrationId],
  );
  expect(rows).toEqual([{ n: 0 }]);
});

import { expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/start-junction.js';
import { useExampleJunction } from './example-junction.js';
import { runReviewExample } from './supplier-invoices.js';

const example = useExampleJunction();

it('runs the review example: a sure invoice is written at once, an unsure one after a reviewer edits and approves it', async () => {
  const lines: string[] = [];
  const result = await runReviewExample({
    url: example.junction.url,
    token: ADMIN_TOKEN,
    erpDatabaseUrl: example.erp.url,
    log: (l) => lines.push(l),
  });
  expect(result.automatic).toEqual({
    number: 'INV-1001',
    supplier: 'Acme Tools Ltd',
    total: 1250.5,
    currency: 'EUR',
  });
  expect(result.reviewed).toEqual({
    number: 'INV-1002',
    supplier: 'Bolt & Nut GmbH',
    total: 989,
    currency: 'EUR',
  });
  expect(result.bands).toEqual([{ band: '0.5-0.6', approved: 0, edited: 1, rejected: 0, open: 0 }]);
  expect(lines.join('\n')).toContain('in review: confidence 0.58');
  const { rows } = await example.junction.junction.database.pool.query(
    `select state, count(*)::int as n from runs where integration_id = $1 group by state`,
    [result.integrationId],
  );
  expect(rows).toEqual([{ state: 'succeeded', n: 2 }]);
  const audit = await example.junction.junction.database.pool.query(
    `select action, actor from audit_entries where subject_id = $1 order by id`,
    [result.reviewId],
  );
  expect(audit.rows.map((r) => r.action)).toEqual([
    'review.open',
    'review.claim',
    'review.edit',
    'review.approve',
  ]);
});

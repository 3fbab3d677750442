import { expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/start-junction.js';
import { runExample } from './crm-to-erp.js';
import { useExampleJunction } from './example-junction.js';

const example = useExampleJunction();

it('runs the README example: a CRM webhook creates then updates an ERP row through the postgres connector', async () => {
  const lines: string[] = [];
  const result = await runExample({
    url: example.junction.url,
    token: ADMIN_TOKEN,
    erpDatabaseUrl: example.erp.url,
    log: (l) => lines.push(l),
  });
  expect(result.created).toEqual({
    crm_id: 'c-42',
    name: 'Grace HOPPER',
    email: 'grace@example.com',
    country: 'US',
    region: 'OTHER',
    customer_since: '2026-05-10',
  });
  expect(result.updated).toMatchObject({ crm_id: 'c-42', country: 'DE', region: 'EU' });
  expect(lines.join('\n')).toContain(
    'preview: {"crm_id":"c-1","name":"Ada LOVELACE","email":"ada@example.com","country":"FR","region":"REGION","customer_since":"2026-03-02"}',
  );
  const { rows } = await example.junction.junction.database.pool.query(
    `select state, count(*)::int as n from runs where integration_id = $1 group by state`,
    [result.integrationId],
  );
  expect(rows).toEqual([{ state: 'succeeded', n: 2 }]);
});

import { createHmac } from 'node:crypto';
import pg from 'pg';
import { type Answer, type ExampleOptions, exampleApi } from './example-api.js';

/**
 * The README's rollout example: shop orders arrive by signed webhook; the integration looks the
 * customer up in the ERP (a read: it runs even in shadow), skips test orders, and upserts the ERP
 * order. While it runs in shadow, a "manual process" (this script, as the clerks would) keys the
 * same orders into the ERP with three mistakes: a mistyped total, a forgotten order, and a test
 * order keyed in. Junction writes nothing, compares what it would have written with what the ERP
 * holds, and reports exactly those three. The example then promotes the integration, through
 * review, to automatic. Junction must run with a short JUNCTION_SHADOW_SETTLE_MS (e.g. 1000):
 * the comparison waits that long after each shadow run.
 */

const WEBHOOK_SECRET = 'example-shop-webhook-secret';

const orders = [
  { number: 'SO-1001', customerId: 'C1', total: '125.00', status: 'open' },
  { number: 'SO-1002', customerId: 'C2', total: '89.90', status: 'open' },
  { number: 'SO-1003', customerId: 'C1', total: '125.00', status: 'open' },
  { number: 'SO-1004', customerId: 'C2', total: '42.00', status: 'open' },
  { number: 'SO-1005', customerId: 'C1', total: '310.50', status: 'open' },
  { number: 'SO-1006', customerId: 'C2', total: '1.00', status: 'test' },
];

export async function runRolloutExample(options: ExampleOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const api = exampleApi(options.url, options.token);
  const erp = new pg.Client({ connectionString: options.erpDatabaseUrl });
  await erp.connect();
  try {
    log('1. The ERP: customers and orders tables in PostgreSQL');
    await erp.query(
      `create table if not exists erp_accounts (id text primary key, name text not null)`,
    );
    await erp.query(`create table if not exists erp_orders (
      number text primary key, customer text not null, total numeric(12, 2) not null,
      status text not null)`);
    await erp.query(`insert into erp_accounts values ('C1', 'Ada Lovelace'), ('C2', 'Grace Hopper')
      on conflict (id) do update set name = excluded.name`);
    await erp.query(`delete from erp_orders where number like 'SO-10%'`);

    log('2. Connections: the shop (webhook secret) and the ERP');
    const shop = await api('POST', '/v1/connections', {
      name: 'Shop',
      connector: 'http',
      credentials: { authKind: 'none', webhookSecret: WEBHOOK_SECRET },
    });
    const erpConnection = await api('POST', '/v1/connections', {
      name: 'ERP (orders)',
      connector: 'postgres',
      credentials: { connectionString: options.erpDatabaseUrl },
    });

    log('3. The integration: look the customer up, skip test orders, upsert the ERP order');
    const created = await api('POST', '/v1/integrations', {
      name: 'Shop orders to the ERP',
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: shop.json.id,
        recordKey: 'body.number',
        settings: { signatureScheme: 'hex', signatureHeader: 'x-signature', dedupePath: 'number' },
      },
      routes: [
        {
          key: 'orders',
          steps: [
            {
              kind: 'action',
              key: 'customer',
              connector: 'postgres',
              connection: erpConnection.json.id,
              action: 'lookup-row',
              mapping: {
                table: 'erp_accounts',
                keyColumn: 'id',
                key: { var: 'event.body.customerId' },
              },
            },
            {
              kind: 'filter',
              key: 'real-orders',
              when: { '!=': [{ var: 'event.body.status' }, 'test'] },
            },
            {
              kind: 'action',
              key: 'erp-order',
              connector: 'postgres',
              connection: erpConnection.json.id,
              action: 'upsert-row',
              mapping: {
                table: 'erp_orders',
                keyColumn: 'number',
                key: { var: 'event.body.number' },
                values: {
                  object: [
                    ['customer', { upper: { var: 'steps.customer.row.name' } }],
                    ['total', { number_parse: [{ var: 'event.body.total' }, '.'] }],
                    ['status', { var: 'event.body.status' }],
                  ],
                },
              },
            },
          ],
        },
      ],
    });
    const id = created.json.id as string;
    const rollout = `/v1/integrations/${id}/rollout`;

    log('4. Shadow first, with promotion criteria; then the integration is enabled');
    let etag = (await api('GET', rollout)).etag;
    etag = (
      await api(
        'PUT',
        `${rollout}/criteria`,
        { shadow: { minRuns: 6, minMatchRate: 0.5 }, review: { minApprovalRate: 1 } },
        { 'if-match': etag },
      )
    ).etag;
    etag = (
      await api('PUT', rollout, { stage: 'shadow', reason: 'parallel run' }, { 'if-match': etag })
    ).etag;
    const enabled = await api('POST', `/v1/integrations/${id}/enable`, undefined, {
      'if-match': created.etag,
    });
    const hook = `${options.url}${enabled.json.webhookPath}`;
    const send = async (order: Record<string, string>) => {
      const raw = JSON.stringify(order);
      const res = await fetch(hook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex'),
        },
        body: raw,
      });
      if (res.status !== 202)
        throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
    };
    const eventually = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${what} did not happen within 60 s (is JUNCTION_SHADOW_SETTLE_MS short?)`);
    };

    log('5. The manual process keys the orders into the ERP (with three mistakes)');
    const manual = [
      ['SO-1001', 'ADA LOVELACE', '125.00', 'open'],
      ['SO-1002', 'GRACE HOPPER', '89.90', 'open'],
      ['SO-1003', 'ADA LOVELACE', '215.00', 'open'], // the total mistyped
      // SO-1004 forgotten
      ['SO-1005', 'ADA LOVELACE', '310.50', 'open'],
      ['SO-1006', 'GRACE HOPPER', '1.00', 'test'], // a test order keyed in
    ];
    for (const row of manual)
      await erp.query('insert into erp_orders values ($1, $2, $3, $4)', row);

    log('6. The shop sends the same orders; Junction runs them in shadow and writes nothing');
    for (const order of orders) await send(order);
    const report = await eventually('the comparison of the six orders', async () => {
      const r = await api('GET', `${rollout}/report`);
      return r.json.writes.compared + r.json.writes.unreadable === 6 ? r.json : undefined;
    });
    log(
      `   match rate ${report.matchRate}; discrepancies ${JSON.stringify(report.discrepancies.byKind)}`,
    );
    for (const d of report.examples as Answer[])
      log(
        `   ${d.targetKey}: ${d.kind}${d.field ? ` ${d.field}` : ''} intended ${JSON.stringify(d.intended)}, ERP holds ${JSON.stringify(d.actual)}`,
      );

    const typo = (report.examples as Answer[]).find((d) => d.kind === 'field');
    log('7. The typo is a known difference: marked explained');
    await api('POST', `/v1/rollout/discrepancies/${typo?.id}/explain`, {
      reason: 'The clerk mistyped SO-1003; corrected in the ERP.',
    });

    log('8. Promote to review-all (the shadow criteria are met): each write waits for a reviewer');
    etag = (await api('PUT', rollout, { stage: 'review-all' }, { 'if-match': etag })).etag;
    await send({ number: 'SO-1007', customerId: 'C2', total: '77.00', status: 'open' });
    const item = await eventually('the review item of SO-1007', async () => {
      const queue = await api('GET', `/v1/reviews?integration=${id}`);
      return queue.json.data[0] as Answer | undefined;
    });
    log(`   in review (${item.reason}): ${JSON.stringify(item.proposal.values)}; approved`);
    await api('POST', `/v1/reviews/${item.id}/approve`, {});
    const erpRow = (number: string) =>
      eventually(`the ERP row ${number}`, async () => {
        const { rows } = await erp.query(
          'select number, customer, total::float8 as total, status from erp_orders where number = $1',
          [number],
        );
        return rows[0] as Answer | undefined;
      });
    const reviewed = await erpRow('SO-1007');

    log('9. Promote to auto (every reviewed write was approved unchanged): written at once');
    const promoted = await api('PUT', rollout, { stage: 'auto' }, { 'if-match': etag });
    await send({ number: 'SO-1008', customerId: 'C1', total: '19.99', status: 'open' });
    const automatic = await erpRow('SO-1008');
    log(`   written: ${JSON.stringify(automatic)}`);
    const history = await api('GET', `${rollout}/history`);
    log(
      `10. Stages: ${(history.json.data as Answer[])
        .map((v) => v.stage)
        .reverse()
        .join(' -> ')}`,
    );
    return {
      integrationId: id,
      report,
      reviewed,
      automatic,
      evidence: promoted.json.evidence as Answer[],
      stages: (history.json.data as Answer[]).map((v) => v.stage as string),
    };
  } finally {
    await erp.end();
  }
}

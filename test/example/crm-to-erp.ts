import { createHmac } from 'node:crypto';
import pg from 'pg';
import { type ExampleOptions, exampleApi } from './example-api.js';

/**
 * The README's end-to-end example: a "CRM" posts signed webhooks; Junction maps them (renames,
 * formats, translates country names, routes by region) and upserts customer rows into a
 * PostgreSQL "ERP" table through the postgres connector. Everything goes through the HTTP API.
 */

const WEBHOOK_SECRET = 'example-crm-webhook-secret';

export async function runExample(options: ExampleOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const api = exampleApi(options.url, options.token);

  log('1. The ERP: a customers table in PostgreSQL');
  const erp = new pg.Client({ connectionString: options.erpDatabaseUrl });
  await erp.connect();
  await erp.query(`create table if not exists erp_customers (
    crm_id text primary key, name text not null, email text, country text not null,
    region text not null, customer_since date, updated_at timestamptz not null default now())`);

  log('2. Connections: the CRM (its webhook secret) and the ERP (its database)');
  const crm = await api('POST', '/v1/connections', {
    name: 'Example CRM',
    connector: 'http',
    credentials: { authKind: 'none', webhookSecret: WEBHOOK_SECRET },
  });
  const erpConnection = await api('POST', '/v1/connections', {
    name: 'Example ERP',
    connector: 'postgres',
    credentials: { connectionString: options.erpDatabaseUrl },
  });

  log('3. A mapping, tried on sample data before it goes live');
  const mapping = {
    table: 'erp_customers',
    keyColumn: 'crm_id',
    key: { var: 'event.body.id' },
    values: {
      object: [
        ['crm_id', { var: 'event.body.id' }],
        [
          'name',
          {
            trim: {
              cat: [
                { var: 'event.body.first_name' },
                ' ',
                { upper: { var: 'event.body.last_name' } },
              ],
            },
          },
        ],
        ['email', { lower: { var: 'event.body.email' } }],
        [
          'country',
          {
            lookup: [
              { France: 'FR', Germany: 'DE', Netherlands: 'NL', 'United States': 'US' },
              { var: 'event.body.country' },
              'ZZ',
            ],
          },
        ],
        ['region', 'REGION'],
        [
          'customer_since',
          { date_format: [{ var: 'event.body.signed_up_at' }, 'yyyy-MM-dd', 'Europe/Paris'] },
        ],
      ],
    },
  };
  const preview = await api('POST', '/v1/mappings/preview', {
    mapping,
    data: {
      event: {
        body: {
          id: 'c-1',
          first_name: 'Ada',
          last_name: 'Lovelace',
          email: 'ADA@EXAMPLE.COM',
          country: 'France',
          signed_up_at: '2026-03-01T23:30:00Z',
        },
      },
    },
    target: { connector: 'postgres', action: 'upsert-row' },
  });
  log(`   preview: ${JSON.stringify(preview.json.output.values)}`);

  log('4. The integration: route by country, upsert into the ERP');
  const step = (region: string) => ({
    kind: 'action',
    key: 'upsert-customer',
    connector: 'postgres',
    connection: erpConnection.json.id,
    action: 'upsert-row',
    mapping: {
      ...mapping,
      values: {
        object: mapping.values.object.map(([k, v]) => (k === 'region' ? [k, region] : [k, v])),
      },
    },
  });
  const integration = await api('POST', '/v1/integrations', {
    name: 'CRM customers to ERP',
    trigger: {
      connector: 'http',
      trigger: 'webhook-received',
      connection: crm.json.id,
      settings: {
        signatureScheme: 'hex',
        signatureHeader: 'x-signature',
        dedupeHeader: 'x-delivery-id',
      },
      recordKey: 'body.id',
    },
    routing: 'first',
    routes: [
      {
        key: 'europe',
        when: { in: [{ var: 'event.body.country' }, ['France', 'Germany', 'Netherlands']] },
        steps: [step('EU')],
      },
      { key: 'rest-of-world', steps: [step('OTHER')] },
    ],
  });
  const enabled = await api('POST', `/v1/integrations/${integration.json.id}/enable`, undefined, {
    'if-match': integration.etag,
  });
  const hook = `${options.url}${enabled.json.webhookPath}`;

  log('5. The CRM sends webhooks: a new customer, then a change');
  const send = async (delivery: string, body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    const signature = createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex');
    const res = await fetch(hook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': signature,
        'x-delivery-id': delivery,
      },
      body: raw,
    });
    if (res.status !== 202)
      throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
  };
  const row = async (predicate: (r: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { rows } = await erp.query(
        `select crm_id, name, email, country, region, to_char(customer_since, 'YYYY-MM-DD') as customer_since from erp_customers where crm_id = 'c-42'`,
      );
      if (rows[0] && predicate(rows[0])) return rows[0] as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the ERP row did not appear within 30 s');
  };
  await send('delivery-1', {
    id: 'c-42',
    first_name: 'Grace',
    last_name: 'Hopper',
    email: 'Grace@Example.com',
    country: 'United States',
    signed_up_at: '2026-05-10T08:00:00Z',
  });
  const created = await row(() => true);
  log(`   created: ${JSON.stringify(created)}`);
  await send('delivery-2', {
    id: 'c-42',
    first_name: 'Grace',
    last_name: 'Hopper',
    email: 'grace@example.com',
    country: 'Germany',
    signed_up_at: '2026-05-10T08:00:00Z',
  });
  const updated = await row((r) => r.country === 'DE');
  log(`   updated: ${JSON.stringify(updated)}`);
  await erp.end();
  return { integrationId: integration.json.id as string, created, updated };
}

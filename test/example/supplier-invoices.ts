import { createHmac } from 'node:crypto';
import { type ModelStandIn, startModelStandIn } from '@junction/plugin-ai/stand-in';
import pg from 'pg';
import { type Answer, type ExampleOptions, exampleApi } from './example-api.js';

/**
 * The README's review example: a supplier posts signed "invoice" webhooks; an AI step (the `ai`
 * connector, here against a loopback stand-in of an OpenAI-compatible model) extracts the
 * supplier, number, total and currency with a confidence; a gate sends unsure or large invoices
 * to the review queue; the ERP write (the `postgres` connector) runs at once for the rest, and
 * after a reviewer's approval (with an edit) for the others. Everything goes through the HTTP API.
 */

const WEBHOOK_SECRET = 'example-supplier-webhook-secret';

/** What the stand-in model reads from an invoice's text, as a real one would. */
function readInvoice(text: string) {
  const find = (re: RegExp) => re.exec(text)?.[1]?.trim();
  return {
    supplier: find(/from\s+([^\n.]+)/i) ?? 'unknown',
    number: find(/invoice\s+(?:no\.?|number)?\s*([A-Z]+-\d+)/i) ?? 'unknown',
    total: Number((find(/total[^\d]*([\d,.]+)/i) ?? '0').replace(/,/g, '')),
    currency: find(/\b(EUR|USD|GBP)\b/) ?? 'EUR',
  };
}

export async function runReviewExample(options: ExampleOptions) {
  const log = options.log ?? ((line: string) => console.log(line));
  const api = exampleApi(options.url, options.token);

  log('1. A model: a loopback stand-in that answers like an OpenAI-compatible endpoint');
  const model: ModelStandIn = await startModelStandIn({
    respond: (request) => {
      const text = request.messages.find((m) => m.role === 'user')?.content ?? '';
      // A blurry scan: the model reads it, unsure (its tokens' probabilities are low).
      return { content: readInvoice(text), tokenConfidence: /blurry/i.test(text) ? 0.58 : 0.97 };
    },
  });
  const erp = new pg.Client({ connectionString: options.erpDatabaseUrl });
  await erp.connect();
  try {
    log('2. The ERP: an invoices table in PostgreSQL');
    await erp.query(`create table if not exists erp_invoices (
      number text primary key, supplier text not null, total numeric(12, 2) not null,
      currency text not null, updated_at timestamptz not null default now())`);
    await erp.query(`delete from erp_invoices where number in ('INV-1001', 'INV-1002')`);

    log('3. Connections: the supplier portal (webhook secret), the model, the ERP');
    const portal = await api('POST', '/v1/connections', {
      name: 'Supplier portal',
      connector: 'http',
      credentials: { authKind: 'none', webhookSecret: WEBHOOK_SECRET },
    });
    const ai = await api('POST', '/v1/connections', {
      name: 'Invoice model',
      connector: 'ai',
      credentials: {},
      settings: { baseUrl: model.url },
    });
    const erpConnection = await api('POST', '/v1/connections', {
      name: 'ERP',
      connector: 'postgres',
      credentials: { connectionString: options.erpDatabaseUrl },
    });

    log('4. The integration: extract with the model, gate on its confidence, write to the ERP');
    const integration = await api('POST', '/v1/integrations', {
      name: 'Supplier invoices to the ERP',
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: portal.json.id,
        settings: {
          signatureScheme: 'hex',
          signatureHeader: 'x-signature',
          dedupeHeader: 'x-delivery-id',
        },
      },
      review: { slaSeconds: 4 * 3600 },
      routes: [
        {
          key: 'all',
          steps: [
            {
              kind: 'action',
              key: 'extract',
              connector: 'ai',
              connection: ai.json.id,
              action: 'extract',
              mapping: {
                model: 'invoice-reader',
                instructions:
                  'Read the supplier invoice. Answer its supplier, number, total and currency.',
                text: { var: 'event.body.text' },
                schema: {
                  preserve: {
                    type: 'object',
                    required: ['supplier', 'number', 'total', 'currency'],
                    properties: {
                      supplier: { type: 'string' },
                      number: { type: 'string' },
                      total: { type: 'number' },
                      currency: { type: 'string' },
                    },
                  },
                },
              },
            },
            {
              kind: 'action',
              key: 'erp-write',
              connector: 'postgres',
              connection: erpConnection.json.id,
              action: 'upsert-row',
              gate: {
                review: {
                  or: [
                    { '<': [{ '??': [{ var: 'steps.extract.confidence' }, 0] }, 0.8] },
                    { '>': [{ var: 'steps.extract.data.total' }, 10_000] },
                  ],
                },
                confidence: { var: 'steps.extract.confidence' },
              },
              mapping: {
                table: 'erp_invoices',
                keyColumn: 'number',
                key: { var: 'steps.extract.data.number' },
                values: {
                  object: [
                    ['number', { var: 'steps.extract.data.number' }],
                    ['supplier', { var: 'steps.extract.data.supplier' }],
                    ['total', { var: 'steps.extract.data.total' }],
                    ['currency', { var: 'steps.extract.data.currency' }],
                  ],
                },
              },
            },
          ],
        },
      ],
    });
    const enabled = await api('POST', `/v1/integrations/${integration.json.id}/enable`, undefined, {
      'if-match': integration.etag,
    });
    const hook = `${options.url}${enabled.json.webhookPath}`;
    const reviewer = await api('POST', '/v1/tokens', {
      name: 'Accounts payable reviewer',
      role: 'reviewer',
      integrations: [integration.json.id],
    });
    const asReviewer = (
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => api(method, path, body, headers, reviewer.json.token as string);

    const send = async (delivery: string, text: string) => {
      const raw = JSON.stringify({ text });
      const res = await fetch(hook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex'),
          'x-delivery-id': delivery,
        },
        body: raw,
      });
      if (res.status !== 202)
        throw new Error(`the webhook answered ${res.status}: ${await res.text()}`);
    };
    const eventually = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${what} did not happen within 30 s`);
    };
    const erpRow = (number: string) =>
      eventually(`the ERP row ${number}`, async () => {
        const { rows } = await erp.query(
          'select number, supplier, total::float8 as total, currency from erp_invoices where number = $1',
          [number],
        );
        return rows[0] as Record<string, unknown> | undefined;
      });

    log('5. A clear invoice: the model is sure, the ERP row is written at once');
    await send('inv-1001', 'INVOICE INV-1001 from Acme Tools Ltd.\nTotal due: 1,250.50 EUR');
    const automatic = await erpRow('INV-1001');
    log(`   written: ${JSON.stringify(automatic)}`);

    log('6. A blurry scan: the model is unsure, the write waits for a reviewer');
    await send(
      'inv-1002',
      '(blurry scan) INVOICE INV-1002 from Bolt & Nut GmbH.\nTotal due: 980.00 EUR',
    );
    const item = await eventually('the review item', async () => {
      const queue = await asReviewer('GET', `/v1/reviews?integration=${integration.json.id}`);
      return queue.json.data[0] as Answer | undefined;
    });
    log(
      `   in review: confidence ${item.confidence}, proposal ${JSON.stringify(item.proposal.values)}`,
    );

    log('7. The reviewer claims it, corrects the total (the scan says 989.00), and approves');
    const claimed = await asReviewer('POST', `/v1/reviews/${item.id}/claim`, {});
    const edited = await asReviewer(
      'PATCH',
      `/v1/reviews/${item.id}`,
      { input: { ...item.proposal, values: { ...item.proposal.values, total: 989 } } },
      { 'if-match': claimed.etag },
    );
    await asReviewer('POST', `/v1/reviews/${item.id}/approve`, {}, { 'if-match': edited.etag });
    const reviewed = await erpRow('INV-1002');
    log(`   written after review: ${JSON.stringify(reviewed)}`);

    const stats = await asReviewer('GET', `/v1/integrations/${integration.json.id}/review-stats`);
    log(`8. How reviewers decided, by confidence band: ${JSON.stringify(stats.json.bands)}`);
    return {
      integrationId: integration.json.id as string,
      automatic,
      reviewed,
      reviewId: item.id as string,
      bands: stats.json.bands as Record<string, unknown>[],
    };
  } finally {
    await erp.end();
    await model.close();
  }
}

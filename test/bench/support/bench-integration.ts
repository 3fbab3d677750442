import { signHmacHex } from '@junction/connector-kit';
import type { LoadRequest } from './load-generator.js';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** 32 bytes, hex: the key that encrypts connection secrets in the bench. */
export const BENCH_SECRET_KEY = '6a'.repeat(32);
const CRM_KEY = 'bench-crm-webhook-secret';

/** The table the integration writes (in the target database). */
export const targetTableSql = `create table bench_customers (
  id text primary key,
  email text not null,
  name text not null,
  country text not null,
  written_at timestamptz(6) not null default clock_timestamp()
)`;

const countries = { FR: 'France', DE: 'Germany', US: 'United States', GB: 'United Kingdom' };

/** The one mapping step of the bench integration, as JSON-logic (also compiled by the hand-written task). */
export const benchMapping = {
  table: 'bench_customers',
  keyColumn: 'id',
  key: { var: 'event.id' },
  values: {
    object: [
      ['email', { lower: { trim: { var: 'event.email' } } }],
      ['name', { upper: { var: 'event.name' } }],
      ['country', { lookup: [countries, { var: 'event.country' }, 'Other'] }],
    ],
  },
};

/** The CRM's event for customer `id`. */
export function crmEvent(id: string) {
  return {
    id,
    name: 'Ada Lovelace',
    email: `  Ada.${id}@Example.COM `,
    country: ['FR', 'DE', 'US', 'GB', 'IT'][id.length % 5] as string,
    updated_at: '2026-11-28T10:00:00.000Z',
  };
}

/** A signed webhook delivery of customer `id` (unique id: unique dedupe key). */
export function signedDelivery(hookPath: string, id: string): LoadRequest {
  const body = JSON.stringify(crmEvent(id));
  return {
    path: hookPath,
    headers: {
      'content-type': 'application/json',
      'x-signature': signHmacHex({ secret: CRM_KEY, payload: body }),
    },
    body,
  };
}

/** POSTs JSON to a bench Junction with the admin token; a non-2xx answer throws. */
export function benchPost(junctionUrl: string) {
  return async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${junctionUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return { json, etag: res.headers.get('etag') ?? '' };
  };
}

/**
 * Through Junction's API: a CRM connection, a postgres connection to `targetUrl`, and an enabled
 * integration (signed webhook trigger, record key `id`, one route with one `upsert-row` step and
 * its mapping), writing through the postgres plugin or the bench's pooled variant of its upsert.
 * Returns the integration id and webhook path.
 */
export async function createBenchIntegration(
  junctionUrl: string,
  targetUrl: string,
  targetConnector: 'postgres' | 'bench-postgres-pooled' = 'postgres',
  /** The postgres connection's pool size (its README: match it to the worker concurrency). */
  poolSize = 10,
) {
  const call = benchPost(junctionUrl);
  const erpConnection = await call('/v1/connections', {
    name: `ERP database (${targetConnector})`,
    connector: targetConnector,
    credentials: {
      connectionString: targetUrl,
      ...(targetConnector === 'postgres' ? { poolSize } : {}),
    },
  });
  return createOneStepIntegration(junctionUrl, {
    name: `CRM customers to ERP (bench, ${targetConnector})`,
    crmName: `CRM (${targetConnector})`,
    step: {
      kind: 'action',
      key: 'customer',
      connector: targetConnector,
      connection: erpConnection.json.id,
      action: 'upsert-row',
      mapping: benchMapping,
    },
  });
}

/**
 * Through Junction's API: a CRM connection named `crmName` and an enabled integration `name`
 * (signed webhook trigger, record key `id`) whose one route has the one `step`. Returns the
 * integration id and webhook path.
 */
export async function createOneStepIntegration(
  junctionUrl: string,
  options: { name: string; crmName: string; step: Record<string, unknown> },
) {
  const call = benchPost(junctionUrl);
  const crm = await call('/v1/connections', {
    name: options.crmName,
    connector: 'test-crm',
    credentials: { apiKey: CRM_KEY },
  });
  const created = await call('/v1/integrations', {
    name: options.name,
    trigger: {
      connector: 'test-crm',
      trigger: 'customer-changed',
      connection: crm.json.id,
      recordKey: 'id',
    },
    routes: [{ key: 'all', steps: [options.step] }],
  });
  await call(`/v1/integrations/${created.json.id}/enable`, undefined, {
    'if-match': created.etag,
  });
  return { integrationId: created.json.id as string, hookPath: created.json.webhookPath as string };
}

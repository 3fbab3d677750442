import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, countRows } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { egressAttacks } from './egress-attacks.js';
import { runOnWebhook } from './run-on-webhook.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let hookConnection: string;

beforeAll(async () => {
  t = await startTestJunction({ JUNCTION_WORKER_POLL_INTERVAL_MS: '100' });
  api = apiOf(t);
  hookConnection = (
    await api.post('/v1/connections', {
      name: 'Incoming',
      connector: 'http',
      credentials: { authKind: 'none' },
    })
  ).body.id;
}, 60_000);
afterAll(() => t?.close());

/** An http connection to `baseUrl` (the attacker's choice of destination). */
async function httpConnection(baseUrl: string): Promise<string> {
  const created = await api.post('/v1/connections', {
    name: `To ${baseUrl}`,
    connector: 'http',
    credentials: { authKind: 'none' },
    settings: { baseUrl, testPath: '/metrics' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

describe("plugins cannot reach Junction itself or the cloud's metadata", () => {
  it.each(egressAttacks)(
    'refuses $name through a connection test, naming the rule',
    async (attack) => {
      const url = attack.baseUrl(t);
      const id = await httpConnection(url);
      const tested = await api.post(`/v1/connections/${id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body.ok).toBe(false);
      expect(tested.body.reason).toContain(`egress rule "${attack.rule}"`);
    },
  );

  it("refuses the README's mistake: Junction's own database as a postgres connection, and writes nothing there", async () => {
    const own = await api.post('/v1/connections', {
      name: 'Not an ERP',
      connector: 'postgres',
      credentials: { connectionString: t.database.url },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const tested = await api.post(`/v1/connections/${own.body.id}/test`);
    expect(tested.body).toMatchObject({ ok: false });
    expect(tested.body.reason).toContain('egress rule "junction-database"');

    // An editor's integration that would insert an admin token into api_tokens.
    const tokensBefore = await countRows(t, 'api_tokens');
    const run = await runOnWebhook(t, api, {
      name: 'Token planter',
      hook: hookConnection,
      id: 'plant-1',
      maxAttempts: 4,
      steps: [
        {
          kind: 'action',
          key: 'plant',
          connector: 'postgres',
          connection: own.body.id,
          action: 'insert-row',
          mapping: {
            table: 'api_tokens',
            values: {
              object: [
                ['name', 'planted'],
                ['role', 'admin'],
              ],
            },
          },
        },
      ],
    });
    expect(run.state).toBe('dead');
    // Refused once, never retried, with the rule in the run's error.
    expect(run.attempts).toBe(1);
    expect(run.lastError).toMatchObject({ kind: 'invalidInput', rule: 'junction-database' });
    expect(String(run.lastError.message)).toContain("is Junction's own database");
    const steps = await t.junction.database.pool.query(
      `select count(*)::int as n from run_steps where run_id = $1`,
      [run.id],
    );
    expect(steps.rows[0].n).toBe(1);
    expect(await countRows(t, 'api_tokens')).toBe(tokensBefore);
  });
});

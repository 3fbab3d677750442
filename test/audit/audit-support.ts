import pg from 'pg';
import { expect } from 'vitest';
import type { TestJunction } from '../support/start-junction.js';

/** Every audit entry row, read as a superuser would, oldest first. */
export async function auditRows(url: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select * from audit_entries order by id')).rows;
  } finally {
    await client.end();
  }
}

/** Runs `action`, then returns the audit rows it added. */
export async function entriesAddedBy(
  url: string,
  action: () => Promise<unknown>,
): Promise<Record<string, unknown>[]> {
  const before = await auditRows(url);
  await action();
  const after = await auditRows(url);
  const known = new Set(before.map((row) => row.id));
  return after.filter((row) => !known.has(row.id));
}

/** Creates a token with `role` through the API and returns its id and value. */
export async function createToken(
  junction: TestJunction,
  role: string,
  name = `${role} token`,
): Promise<{ id: string; token: string }> {
  const response = await junction.request('/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, role }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { id: string; token: string };
  return { id: body.id, token: body.token };
}

/** Waits until the sealer has linked every entry (the junction under test runs one). */
export async function waitUntilSealed(junction: TestJunction, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await junction.request('/v1/audit/verify');
    const body = (await response.json()) as { unsealed: number };
    if (body.unsealed === 0) return;
    if (Date.now() > deadline) throw new Error(`${body.unsealed} entries still unsealed`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A problem+json body as the tests read it. */
export interface ProblemBody {
  readonly status: number;
  readonly detail?: string;
  readonly errors: Array<{
    readonly in: string;
    readonly pointer: string;
    readonly detail: string;
  }>;
  readonly [extension: string]: unknown;
}

/** The problem+json body of `response`. */
export async function problemOf(response: Response): Promise<ProblemBody> {
  return (await response.json()) as ProblemBody;
}

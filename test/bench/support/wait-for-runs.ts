import type pg from 'pg';

/** Runs of an integration in a state, counted in Junction's database. */
export async function countRuns(db: pg.Client, integrationId: string, state: string) {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from runs where integration_id = $1 and state = $2',
    [integrationId, state],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits until at least `n` runs of the integration are in `state`, looking every 50 ms; throws
 * naming `what` when that has not happened within `timeoutMs` (300 s).
 */
export async function waitForRuns(
  db: pg.Client,
  integrationId: string,
  state: string,
  n: number,
  what: string,
  timeoutMs = 300_000,
) {
  const deadline = Date.now() + timeoutMs;
  while ((await countRuns(db, integrationId, state)) < n) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

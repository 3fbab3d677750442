import type { AuthTestResult } from './auth.js';
import type { ConnectorDefinition } from './define-connector.js';
import type { RunContext } from './run-context.js';

/**
 * Runs a connector's auth `test` hook for a connection ("Test connection" in the UI). A
 * connector without a hook answers `{ ok: true }`; a hook that throws answers
 * `{ ok: false, reason }` with its message, so the caller never has to catch.
 *
 * @example
 * ```ts
 * const result = await testAuth(connector, ctx);
 * if (!result.ok) showProblem(result.reason);
 * ```
 */
export async function testAuth(
  connector: ConnectorDefinition,
  ctx: RunContext,
): Promise<AuthTestResult> {
  const test = connector.auth.test;
  if (test === undefined) return { ok: true };
  try {
    const result = await test(ctx);
    if (result?.ok === true) return { ok: true };
    const reason = result?.ok === false && result.reason ? result.reason : 'the check failed';
    return { ok: false, reason };
  } catch (thrown) {
    return { ok: false, reason: thrown instanceof Error ? thrown.message : String(thrown) };
  }
}

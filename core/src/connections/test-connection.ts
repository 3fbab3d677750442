import type { ConnectorSource } from '../connectors/connector-source.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { ConnectionRow, ConnectionStore } from './connection-store.js';

/** What testing a connection against its system found. */
export type ConnectionTest =
  | { readonly kind: 'not-installed'; readonly connector: string }
  | {
      readonly kind: 'tested';
      readonly ok: boolean;
      /** False when the connector has no way to test and said so. */
      readonly tested: boolean;
      readonly reason?: string;
      readonly detail?: string;
    };

/**
 * Calls the connector's test with the connection's credentials (an OAuth 2.0 token refreshed
 * once when refused), bounded to 15 s; a failure is an answer (`ok: false` and why), not a throw.
 */
export async function testConnection(
  deps: { connectors: ConnectorSource; executor: PluginExecutor; store: ConnectionStore },
  row: ConnectionRow,
): Promise<ConnectionTest> {
  const connector = deps.connectors.get(row.connector_id);
  if (!connector) return { kind: 'not-installed', connector: row.connector_id };
  let result: Awaited<ReturnType<PluginExecutor['execute']>>;
  try {
    result = await deps.store.callWith(row, (credentials) =>
      deps.executor.execute({
        connector,
        operation: { kind: 'test' },
        credentials,
        connection: { id: row.id, name: row.name, settings: row.settings },
        idempotencyKey: `test:${row.id}:${Date.now()}`,
        timeoutMs: 15_000,
      }),
    );
  } catch (error) {
    return { kind: 'tested', ok: false, tested: true, reason: (error as Error).message };
  }
  if (!result.ok) return { kind: 'tested', ok: false, tested: true, reason: result.error.message };
  const output = result.output as {
    ok: boolean;
    tested?: boolean;
    reason?: string;
    detail?: string;
  };
  return {
    kind: 'tested',
    ok: output.ok,
    tested: output.tested ?? true,
    ...(output.reason ? { reason: output.reason } : {}),
    ...(output.detail ? { detail: output.detail } : {}),
  };
}

import { randomUUID } from 'node:crypto';
import type { ActionDefinition } from '@junction/connector-kit';
import type { ResolvedConnector } from '../connectors/connector-source.js';
import type { ShadowRow, StepContext } from './write-step.js';

/**
 * Whether an action changes its target: every kind but `search` (a lookup). A shadow run calls
 * lookups, so later steps see real data, and records every other call instead of making it.
 */
export function writesTarget(action: Pick<ActionDefinition, 'kind'>): boolean {
  return action.kind !== 'search';
}

/** The target record an input names: its `upsertKey` field, else a `key` or `id` field. */
export function targetKeyOf(
  action: Pick<ActionDefinition, 'upsertKey'>,
  input: Record<string, unknown>,
): string | null {
  for (const name of [action.upsertKey, 'key', 'id']) {
    const value = name === undefined ? undefined : input[name];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return null;
}

/** The `shadow_writes` row of a write a shadow run did not make (or, `none`, skipped). */
export function shadowRow(options: {
  readonly context: StepContext;
  readonly stepKey: string;
  readonly connector: ResolvedConnector;
  readonly connectionId: string | undefined;
  readonly action: Pick<ActionDefinition, 'key' | 'kind' | 'upsertKey'>;
  readonly input: Record<string, unknown>;
  readonly intended: 'write' | 'none';
  /** How long the target is given to settle before it is compared (ms). */
  readonly settleMs: number;
}): ShadowRow {
  const { run, routeKey } = options.context;
  return {
    id: `sw_${randomUUID()}`,
    integration_id: run.integration_id,
    run_id: run.id,
    route_key: routeKey,
    step_key: options.stepKey,
    stage_version: run.stage_version,
    connector_id: options.connector.id,
    connector_version: options.connector.version,
    connection_id: options.connectionId ?? null,
    action_key: options.action.key,
    action_kind: options.action.kind,
    intended: options.intended,
    input: JSON.stringify(options.input),
    target_key: targetKeyOf(options.action, options.input),
    compare_at: new Date(Date.now() + options.settleMs).toISOString(),
  };
}

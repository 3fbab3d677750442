import type { Kysely } from 'kysely';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { CompiledStep } from './compile-integration.js';
import { shadowRow, writesTarget } from './shadow-rows.js';
import type { StepContext } from './write-step.js';

type ActionStep = Extract<CompiledStep, { kind: 'action' }>;

/**
 * What a run does for its rollout stage: the writes a shadow run records instead of making them,
 * and the input a reviewer approved for a step held for review (review-all, sampled review, or a
 * step's own gate).
 */
export function createRolloutSteps(deps: {
  readonly db: Kysely<Database>;
  readonly connectors: ConnectorSource;
  /** How long after a shadow run the target is re-read to compare (ms; default 5 minutes). */
  readonly shadowSettleMs?: number;
}) {
  /** The shadow_writes row of a write a shadow run records instead of making it. */
  function shadowOf(
    step: ActionStep,
    connector: ResolvedConnector,
    action: Parameters<typeof shadowRow>[0]['action'],
    input: Record<string, unknown>,
    context: StepContext,
    intended: 'write' | 'none',
  ) {
    return shadowRow({
      context,
      stepKey: step.key,
      connector,
      connectionId: step.connection,
      action,
      input,
      intended,
      settleMs: deps.shadowSettleMs ?? 300_000,
    });
  }

  /**
   * The writes a shadow run's filter skipped (the action steps after it in its route whose
   * mapping can be evaluated and whose action can read its target), recorded as `none`.
   */
  function skippedWrites(
    steps: readonly CompiledStep[],
    filterKey: string,
    data: { event: unknown; steps: Record<string, unknown>; links: unknown },
    context: StepContext,
  ) {
    const after = steps.slice(steps.findIndex((s) => s.key === filterKey) + 1);
    return after.flatMap((step) => {
      if (step.kind !== 'action') return [];
      const connector = deps.connectors.get(step.connector, step.version);
      const action = connector?.definition.actions?.find((a) => a.key === step.action);
      if (!connector || !action?.current || !writesTarget(action)) return [];
      const mapped = step.mapping(data);
      if (mapped.errors.length > 0) return [];
      const input = Object.fromEntries(
        Object.entries(mapped.output).filter(([name]) => Object.hasOwn(action.input, name)),
      );
      return [shadowOf(step, connector, action, input, context, 'none')];
    });
  }

  /** The input a reviewer approved for a step of this run, if one did. */
  async function approvedInput(
    context: StepContext,
    stepKey: string,
  ): Promise<Record<string, unknown> | undefined> {
    const row = await deps.db
      .selectFrom('run_waits')
      .select('result')
      .where('run_id', '=', context.run.id)
      .where('route_key', '=', context.routeKey)
      .where('step_key', '=', stepKey)
      .where('kind', '=', 'review')
      .where('state', '=', 'resumed')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const result = row?.result as { input?: Record<string, unknown> } | null | undefined;
    return result?.input;
  }

  return { shadowOf, skippedWrites, approvedInput };
}

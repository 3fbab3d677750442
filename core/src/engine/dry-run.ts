import { type ConnectorDefinition, validateFields } from '@junction/connector-kit';
import type { ConnectorSource } from '../connectors/connector-source.js';
import { ExpressionEvaluationError, ExpressionLimitError } from '../mapping/index.js';
import { type CompiledIntegration, selectRoutes, truthy } from './compile-integration.js';

export interface DryRunStep {
  readonly route: string;
  readonly step: string;
  readonly kind: 'filter' | 'action';
  /** filter: whether the run goes on; action: whether the action would be called. */
  readonly passes: boolean;
  readonly connector?: string;
  readonly action?: string;
  /** What the action would receive. */
  readonly input?: Record<string, unknown>;
  /** Mapping errors and input checks that would fail, each with a pointer. */
  readonly problems: readonly {
    readonly pointer: string;
    readonly detail: string;
    /** The mapping limit exceeded (`maxStringLength`...), when that is the problem. */
    readonly limit?: string;
  }[];
}

export interface DryRunResult {
  readonly matchedRoutes: readonly string[];
  readonly steps: readonly DryRunStep[];
  /** True when every step that would run has no problem. */
  readonly ok: boolean;
  /** Why routing itself failed (a route condition that cannot be evaluated). */
  readonly error?: string;
}

/**
 * Runs an event through routes and mappings without calling any connector: later steps see the
 * action's declared sample output in place of a real answer. Nothing is written anywhere.
 */
export function dryRun(
  integration: CompiledIntegration,
  event: unknown,
  connectors: ConnectorSource,
): DryRunResult {
  let routes: ReturnType<typeof selectRoutes>;
  try {
    routes = selectRoutes(integration, event);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { matchedRoutes: [], steps: [], ok: false, error: detail };
  }
  const steps: DryRunStep[] = [];
  for (const route of routes) {
    const outputs: Record<string, unknown> = {};
    for (const step of route.steps) {
      const data = { event, steps: outputs };
      if (step.kind === 'filter') {
        const result = evaluate(() => truthy(step.when(data)), `${step.pointer}/when`);
        steps.push({
          route: route.key,
          step: step.key,
          kind: 'filter',
          passes: result.value === true,
          problems: result.problems,
        });
        if (result.value !== true) break;
        continue;
      }
      const { output, errors } = step.mapping(data);
      const problems: { pointer: string; detail: string; limit?: string }[] = errors.map((e) => ({
        pointer: `${step.pointer}/mapping${e.pointer}`,
        detail: e.message,
        ...(e.limit ? { limit: e.limit } : {}),
      }));
      const action = findAction(
        connectors.get(step.connector, step.version)?.definition,
        step.action,
      );
      if (!action) {
        problems.push({
          pointer: `${step.pointer}/action`,
          detail: `"${step.connector}@${step.version}" has no action "${step.action}"`,
        });
      } else {
        for (const p of validateFields(action.input, output).problems) {
          problems.push({
            pointer: `${step.pointer}/mapping${p.pointer}`,
            detail: `the mapped input ${p.message}`,
          });
        }
        outputs[step.key] = action.sample;
      }
      steps.push({
        route: route.key,
        step: step.key,
        kind: 'action',
        passes: problems.length === 0,
        connector: step.connector,
        action: step.action,
        input: output,
        problems,
      });
    }
  }
  return {
    matchedRoutes: routes.map((r) => r.key),
    steps,
    ok: steps.every((s) => s.problems.length === 0),
  };
}

function findAction(definition: ConnectorDefinition | undefined, key: string) {
  return definition?.actions?.find((a) => a.key === key);
}

function evaluate(work: () => boolean, pointer: string) {
  try {
    return { value: work(), problems: [] };
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) {
      return { value: false, problems: [{ pointer, detail: error.message }] };
    }
    if (error instanceof ExpressionLimitError) {
      return { value: false, problems: [{ pointer, detail: error.message, limit: error.limit }] };
    }
    throw error;
  }
}

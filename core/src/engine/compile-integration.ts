import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import {
  type CompiledExpression,
  type CompiledMapping,
  compileExpression,
  compileMapping,
  type Expression,
  type Mapping,
} from '../mapping/index.js';

export type CompiledStep =
  | {
      readonly kind: 'filter';
      readonly key: string;
      readonly pointer: string;
      readonly when: CompiledExpression;
    }
  | {
      readonly kind: 'action';
      readonly key: string;
      readonly pointer: string;
      readonly connector: string;
      readonly version: string;
      readonly connection: string | undefined;
      readonly action: string;
      /** Called instead of `action` when the source record is already linked. */
      readonly linkedAction: string | undefined;
      /** Dotted path of the target record's id in the action's output. */
      readonly targetId: string | undefined;
      readonly settings: Readonly<Record<string, unknown>> | undefined;
      readonly mapping: CompiledMapping;
      /** The step's own timeout (ms), if the integration sets one. */
      readonly timeoutMs: number | undefined;
      /** The step's own retry settings, over the integration's. */
      readonly retry:
        | IntegrationDefinition['retry']
        | Partial<NonNullable<IntegrationDefinition['retry']>>
        | undefined;
      /** Whether its write waits for a reviewer (a gate, or a review step before it). */
      readonly gate: CompiledGate | undefined;
    };

/** A compiled gate: `review` decides, `confidence` is recorded; `reason` says where it came from. */
export interface CompiledGate {
  readonly reason: 'gate' | 'step';
  readonly review: CompiledExpression | undefined;
  readonly confidence: CompiledExpression | undefined;
}

export interface CompiledRoute {
  readonly key: string;
  readonly when: CompiledExpression | undefined;
  readonly steps: readonly CompiledStep[];
}

/** An integration version compiled once: routes and steps with their evaluators. */
export interface CompiledIntegration {
  readonly definition: IntegrationDefinition;
  readonly routing: 'first' | 'all';
  readonly routes: readonly CompiledRoute[];
}

/** Compiles a saved (validated, pinned) definition. */
export function compileIntegration(definition: IntegrationDefinition): CompiledIntegration {
  return {
    definition,
    routing: definition.routing,
    routes: definition.routes.map((route, r) => ({
      key: route.key,
      when: route.when === undefined ? undefined : compileExpression(route.when as Expression),
      steps: compileSteps(route.steps, r),
    })),
  };
}

/**
 * A route's steps compiled. A `review` step is not run by itself: it puts a gate that always
 * reviews on the action step after it (validation makes sure there is one).
 */
function compileSteps(steps: IntegrationDefinition['routes'][number]['steps'], r: number) {
  const compiled: CompiledStep[] = [];
  let review: CompiledGate | undefined;
  steps.forEach((step, s) => {
    const pointer = `/routes/${r}/steps/${s}`;
    if (step.kind === 'review') {
      review = {
        reason: 'step',
        review: undefined,
        confidence: optionalExpression(step.confidence),
      };
      return;
    }
    if (step.kind === 'filter') {
      compiled.push({
        kind: 'filter',
        key: step.key,
        pointer,
        when: compileExpression(step.when as Expression),
      });
      return;
    }
    const gate: CompiledGate | undefined =
      review ??
      (step.gate
        ? {
            reason: 'gate',
            review: compileExpression(step.gate.review as Expression),
            confidence: optionalExpression(step.gate.confidence),
          }
        : undefined);
    review = undefined;
    compiled.push({
      kind: 'action',
      key: step.key,
      pointer,
      connector: step.connector,
      version: step.version ?? '',
      connection: step.connection,
      action: step.action,
      linkedAction: step.linkedAction,
      targetId: step.targetId,
      settings: step.settings,
      mapping: compileMapping(step.mapping as Mapping),
      timeoutMs: step.timeoutMs,
      retry: step.retry,
      gate,
    });
  });
  return compiled;
}

function optionalExpression(expression: unknown): CompiledExpression | undefined {
  return expression === undefined ? undefined : compileExpression(expression as Expression);
}

/** JSON-logic truthiness: empty arrays are false, as in json-logic-js. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/** The routes an event takes: the first whose condition holds, or all of them. */
export function selectRoutes(
  integration: CompiledIntegration,
  event: unknown,
): readonly CompiledRoute[] {
  const data = { event, steps: {} };
  const matched: CompiledRoute[] = [];
  for (const route of integration.routes) {
    if (route.when === undefined || truthy(route.when(data))) {
      matched.push(route);
      if (integration.routing === 'first') break;
    }
  }
  return matched;
}

/**
 * Compiled integration versions by id and version (a version never changes), at most `max`.
 * `load` reads the definition only when the version is not compiled yet; concurrent first
 * callers share one load.
 */
export function createCompiledIntegrationCache(max = 500) {
  const cache = new Map<string, Promise<CompiledIntegration>>();
  return (
    integrationId: string,
    version: number,
    load: () => Promise<IntegrationDefinition>,
  ): Promise<CompiledIntegration> => {
    const key = `${integrationId}@${version}`;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = load().then(compileIntegration);
      compiled.catch(() => cache.delete(key));
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(key, compiled);
    }
    return compiled;
  };
}

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
    };

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
      steps: route.steps.map((step, s): CompiledStep => {
        const pointer = `/routes/${r}/steps/${s}`;
        if (step.kind === 'filter') {
          return {
            kind: 'filter',
            key: step.key,
            pointer,
            when: compileExpression(step.when as Expression),
          };
        }
        return {
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
        };
      }),
    })),
  };
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

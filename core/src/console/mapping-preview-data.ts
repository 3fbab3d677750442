import type { ConnectorSource } from '../connectors/connector-source.js';
import { type MappingPreview, previewMapping } from '../integrations/preview-mapping.js';
import type { Mapping } from '../mapping/index.js';

/** One step's mapping evaluated on the sample data. */
export interface StepPreview {
  readonly route: string;
  readonly step: string;
  /** `connector action` for an action step (its output is checked against the action's fields). */
  readonly target: string | undefined;
  readonly result: MappingPreview;
}

/** The sample data as typed, and what it does to each step's mapping (or why it could not). */
export interface PreviewState {
  readonly text: string;
  readonly problem?: string;
  readonly steps?: readonly StepPreview[];
}

interface StepLike {
  readonly key?: unknown;
  readonly kind?: unknown;
  readonly connector?: unknown;
  readonly version?: unknown;
  readonly action?: unknown;
  readonly mapping?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads the sample data typed on the integration page (a JSON object: what a run's mappings read,
 * `{ "event": {...} }`, with `steps` and `links` when the mappings use them) and evaluates every
 * step's mapping of `definition` on it, through the service the API's preview uses.
 */
export function previewDefinition(
  connectors: ConnectorSource,
  definition: unknown,
  text: string,
): PreviewState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { text, problem: `is not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(data)) return { text, problem: 'must be a JSON object, such as {"event": {}}' };
  const routes = isObject(definition) && Array.isArray(definition.routes) ? definition.routes : [];
  const steps: StepPreview[] = [];
  for (const route of routes as { key?: unknown; steps?: unknown }[]) {
    for (const step of (Array.isArray(route.steps) ? route.steps : []) as StepLike[]) {
      if (!isObject(step.mapping)) continue;
      const action =
        step.kind === 'action' &&
        typeof step.connector === 'string' &&
        typeof step.action === 'string'
          ? {
              connector: step.connector,
              action: step.action,
              ...(typeof step.version === 'string' ? { version: step.version } : {}),
            }
          : undefined;
      steps.push({
        route: String(route.key ?? ''),
        step: String(step.key ?? ''),
        target: action ? `${action.connector} ${action.action}` : undefined,
        result: previewMapping(connectors, step.mapping as Mapping, data, action),
      });
    }
  }
  return { text, steps };
}

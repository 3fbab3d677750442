import { validateFields } from '@junction/connector-kit';
import type { ConnectorSource } from '../connectors/connector-source.js';
import { compileMapping, type Mapping, validateMapping } from '../mapping/index.js';

/** One problem of a preview, pointing into the mapping (`/mapping/<field>...`). */
export interface PreviewProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** The action whose input fields the output is checked against. */
export interface PreviewTarget {
  readonly connector: string;
  readonly version?: string | undefined;
  readonly action: string;
}

/**
 * What a mapping does to sample data: `invalid` (the mapping itself is wrong), `unknown-action`
 * (no such target), `over-limit` (an evaluation exceeded a mapping limit, named in `limit` of
 * each problem), or the output with every per-field error (of the expressions, and of the
 * action's input fields when a target is given).
 */
export type MappingPreview =
  | { readonly kind: 'invalid'; readonly problems: readonly PreviewProblem[] }
  | { readonly kind: 'unknown-action'; readonly detail: string }
  | {
      readonly kind: 'over-limit';
      readonly problems: readonly (PreviewProblem & { readonly limit?: string })[];
    }
  | {
      readonly kind: 'evaluated';
      readonly output: Record<string, unknown>;
      readonly errors: readonly (PreviewProblem & { readonly field: string })[];
      readonly ok: boolean;
    };

/**
 * Evaluates `mapping` on `data` (what a run's mapping reads: `{ event, steps, links }`) without
 * storing or calling anything: the API's `POST /v1/mappings/preview` and the console's preview.
 */
export function previewMapping(
  connectors: ConnectorSource,
  mapping: Mapping,
  data: Record<string, unknown>,
  target?: PreviewTarget,
): MappingPreview {
  const invalid = validateMapping(mapping);
  if (invalid.length > 0)
    return {
      kind: 'invalid',
      problems: invalid.map((p) => ({ pointer: `/mapping${p.pointer}`, detail: p.message })),
    };
  let action: { input: Parameters<typeof validateFields>[0] } | undefined;
  if (target) {
    const connector = connectors.get(target.connector, target.version);
    action = connector?.definition.actions?.find((a) => a.key === target.action);
    if (!action)
      return {
        kind: 'unknown-action',
        detail: `No action "${target.action}" in connector "${target.connector}"${target.version ? `@${target.version}` : ''}.`,
      };
  }
  const result = compileMapping(mapping)(data);
  const over = result.errors.filter((e) => e.limit !== undefined);
  if (over.length > 0)
    return {
      kind: 'over-limit',
      problems: over.map((e) => ({
        pointer: `/mapping${e.pointer}`,
        detail: e.message,
        ...(e.limit === undefined ? {} : { limit: e.limit }),
      })),
    };
  const errors = result.errors.map((e) => ({
    field: e.field,
    pointer: `/mapping${e.pointer}`,
    detail: e.message,
  }));
  if (action) {
    for (const p of validateFields(action.input, result.output).problems) {
      errors.push({
        field: p.pointer.split('/')[1] ?? '',
        pointer: `/mapping${p.pointer}`,
        detail: `the action's input ${p.message}`,
      });
    }
  }
  return { kind: 'evaluated', output: result.output, errors, ok: errors.length === 0 };
}

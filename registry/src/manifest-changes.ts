import type { ConnectorManifest, JsonSchema } from '@junction/connector-kit';

/** One difference between two versions of a connector that can break a configured integration. */
export interface ManifestChange {
  readonly kind:
    | 'action-removed'
    | 'trigger-removed'
    | 'record-type-removed'
    | 'record-capability-removed'
    | 'field-removed'
    | 'field-required'
    | 'field-type-changed';
  /** JSON pointer into the old manifest: `/actions/create-note/input/title`. */
  readonly path: string;
  readonly message: string;
}

type Props = Record<string, { type?: unknown }>;

function props(schema: JsonSchema | undefined): Props {
  return ((schema as { properties?: Props } | undefined)?.properties ?? {}) as Props;
}

function required(schema: JsonSchema | undefined): string[] {
  return ((schema as { required?: string[] } | undefined)?.required ?? []) as string[];
}

function compareSchemas(
  from: JsonSchema | undefined,
  to: JsonSchema | undefined,
  path: string,
  checkRequired: boolean,
  out: ManifestChange[],
): void {
  const a = props(from);
  const b = props(to);
  for (const [name, field] of Object.entries(a)) {
    const next = b[name];
    if (!next) {
      out.push({
        kind: 'field-removed',
        path: `${path}/${name}`,
        message: `field "${name}" was removed`,
      });
    } else if (JSON.stringify(field.type) !== JSON.stringify(next.type)) {
      out.push({
        kind: 'field-type-changed',
        path: `${path}/${name}`,
        message: `field "${name}" changed type from ${JSON.stringify(field.type)} to ${JSON.stringify(next.type)}`,
      });
    }
  }
  if (!checkRequired) return;
  const before = new Set(required(from));
  for (const name of required(to)) {
    if (!before.has(name)) {
      out.push({
        kind: 'field-required',
        path: `${path}/${name}`,
        message: `field "${name}" is now required`,
      });
    }
  }
}

/**
 * What changed between two versions of a connector that an integration pinned to `from` must be
 * re-checked against before it moves to `to`: removed actions, triggers and record types;
 * removed or retyped fields; newly required action inputs. Empty when the upgrade is safe by
 * schema. The integration upgrade step re-checks its mappings against `to`'s schemas and shows
 * these.
 *
 * @example
 * ```ts
 * manifestChanges(v1, v2); // [{ kind: 'field-required', path: '/actions/create-note/input/body', ... }]
 * ```
 */
export function manifestChanges(from: ConnectorManifest, to: ConnectorManifest): ManifestChange[] {
  const out: ManifestChange[] = [];
  for (const action of from.actions) {
    const next = to.actions.find((a) => a.key === action.key);
    const path = `/actions/${action.key}`;
    if (!next) {
      out.push({ kind: 'action-removed', path, message: `action "${action.key}" was removed` });
      continue;
    }
    compareSchemas(action.input, next.input, `${path}/input`, true, out);
    compareSchemas(action.output, next.output, `${path}/output`, false, out);
    compareSchemas(action.settings, next.settings, `${path}/settings`, true, out);
  }
  for (const trigger of from.triggers) {
    const next = to.triggers.find((t) => t.key === trigger.key);
    const path = `/triggers/${trigger.key}`;
    if (!next) {
      out.push({ kind: 'trigger-removed', path, message: `trigger "${trigger.key}" was removed` });
      continue;
    }
    compareSchemas(trigger.output, next.output, `${path}/output`, false, out);
    compareSchemas(trigger.settings, next.settings, `${path}/settings`, true, out);
  }
  for (const recordType of from.recordTypes) {
    const next = to.recordTypes.find((r) => r.name === recordType.name);
    const path = `/recordTypes/${recordType.name}`;
    if (!next) {
      out.push({
        kind: 'record-type-removed',
        path,
        message: `record type "${recordType.name}" was removed`,
      });
      continue;
    }
    compareSchemas(recordType.schema, next.schema, `${path}/schema`, false, out);
    compareSchemas(recordType.settings, next.settings, `${path}/settings`, true, out);
    // A record type that can no longer list, read or write what a sync relies on (1.11).
    for (const capability of recordType.capabilities ?? []) {
      if ((next.capabilities ?? []).includes(capability)) continue;
      out.push({
        kind: 'record-capability-removed',
        path: `${path}/capabilities/${capability}`,
        message: `record type "${recordType.name}" can no longer ${capability}`,
      });
    }
  }
  return out;
}

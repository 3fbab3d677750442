import type { AnyField, FieldSet } from '@junction/connector-kit';

/** Data a mapping sees: `event` is the trigger's item, `steps.<key>` an earlier step's output. */
export interface MappingScope {
  readonly event: FieldSet;
  readonly steps: ReadonlyMap<string, FieldSet>;
  /** Action steps whose record link a mapping may read: earlier ones and the step itself. */
  readonly links?: ReadonlySet<string>;
}

/**
 * Why `path` (a JSON-logic `var` path, dotted) names nothing the scope has, or undefined when it
 * does.
 */
export function checkVarPath(path: string, scope: MappingScope): string | undefined {
  if (path === '') return undefined;
  const [root, ...rest] = path.split('.');
  if (root === 'event') return checkFieldPath(scope.event, rest, 'event');
  if (root === 'links') {
    const [stepKey, field, ...more] = rest;
    if (stepKey === undefined) return undefined;
    if (!(scope.links ?? scope.steps).has(stepKey)) {
      return `"links.${stepKey}" is not this step or an earlier action step of this route`;
    }
    if (field !== undefined && (field !== 'targetId' || more.length > 0)) {
      return `"links.${stepKey}" has only "targetId"`;
    }
    return undefined;
  }
  if (root === 'steps') {
    const [stepKey, ...inner] = rest;
    if (stepKey === undefined) return undefined;
    const output = scope.steps.get(stepKey);
    if (!output) return `"steps.${stepKey}" is not an earlier action step of this route`;
    return checkFieldPath(output, inner, `steps.${stepKey}`);
  }
  return `"${path}" must start with "event." (the trigger's output), "steps.<key>." (an earlier step's output) or "links.<key>." (its record link)`;
}

/**
 * Why the field path `segments` (below `prefix`, as named in the sentence) names nothing
 * `fields` has, or undefined when it does (anything below a `json` field may exist).
 */
export function checkFieldPath(
  fields: FieldSet,
  segments: readonly string[],
  prefix: string,
): string | undefined {
  let current: FieldSet | undefined = fields;
  let field: AnyField | undefined;
  let at = prefix;
  for (const segment of segments) {
    // Open-ended JSON: any path below it may exist; nothing more can be checked.
    if (field?.kind === 'json') return undefined;
    if (field?.kind === 'array') {
      if (!/^\d+$/.test(segment)) return `"${at}" is a list: use an index, as in "${at}.0"`;
      field = field.items;
      current = field.kind === 'object' ? field.fields : undefined;
      at = `${at}.${segment}`;
      continue;
    }
    if (!current) return `"${at}" has no field "${segment}": it is a ${field?.kind ?? 'value'}`;
    const open = field?.kind === 'object' && field.additionalProperties === true;
    field = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (!field && open) return undefined;
    if (!field) {
      const known = Object.keys(current).slice(0, 20).join(', ');
      return `"${at}" has no field "${segment}" (it has: ${known || 'no fields'})`;
    }
    current = field.kind === 'object' ? field.fields : undefined;
    at = `${at}.${segment}`;
  }
  return undefined;
}

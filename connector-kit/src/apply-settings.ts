import { InvalidInputError } from './errors.js';
import type { FieldSet } from './field.js';
import type { RunContext } from './run-context.js';
import { validateFields } from './validate-fields.js';

/**
 * Checks `ctx.settings` against a trigger's or action's declared `settings` fields and returns
 * a context whose settings have the defaults filled in. Without declared fields the context is
 * returned as is (with `settings: {}` when it had none). Bad settings throw
 * {@link InvalidInputError} with pointers under `/settings`.
 *
 * @example
 * ```ts
 * const checked = applySettings(trigger.settings, ctx, 'trigger "row-changed"');
 * ```
 */
export function applySettings(
  fields: FieldSet | undefined,
  ctx: RunContext,
  owner: string,
): RunContext {
  const settings = ctx.settings ?? {};
  if (fields === undefined) return ctx.settings === undefined ? withSettings(ctx, settings) : ctx;
  const checked = validateFields(fields, settings);
  if (checked.problems.length === 0) return withSettings(ctx, checked.value);
  const problems = checked.problems.map((p) => ({ ...p, pointer: `/settings${p.pointer}` }));
  const list = problems.map((p) => `${p.pointer} ${p.message}`).join('; ');
  throw new InvalidInputError(`The settings of ${owner} are invalid: ${list}`, { problems });
}

/**
 * `ctx` with other settings. Its properties are copied as they are defined, so that the ones made
 * on first use (`http`, `logger`, `signal`) stay so: a spread would make them all, every call.
 */
function withSettings(ctx: RunContext, settings: Readonly<Record<string, unknown>>): RunContext {
  return Object.defineProperties(
    {},
    {
      ...Object.getOwnPropertyDescriptors(ctx),
      settings: { value: settings, enumerable: true, configurable: true },
    },
  ) as RunContext;
}

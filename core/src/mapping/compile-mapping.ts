import { buildTree } from './compile-expression.js';
import { ExpressionValidationError } from './expression-error.js';
import { asLimitError, resolveLimits, startRun } from './limits.js';
import { pointerTo } from './operation.js';
import { OMIT } from './operations/omit-operation.js';
import { TreeBuilder } from './tree-builder.js';
import type { CompileOptions, Evaluator, Expression, Problem } from './types.js';

/** A mapping: target field -> expression over the run's context. */
export type Mapping = Readonly<Record<string, Expression>>;

/** One field that could not be computed. */
export interface FieldError {
  readonly field: string;
  /** JSON pointer into the mapping, e.g. `/email/lower`. */
  readonly pointer: string;
  readonly message: string;
  /** `invalid-expression`, `evaluation-failed` or `limit-exceeded`. */
  readonly kind: string;
  /** The limit exceeded, when `kind` is `limit-exceeded`. */
  readonly limit?: string;
}

export interface MappingResult {
  /** The computed fields; a field whose expression failed, or gave `{"omit": []}`, is absent. */
  readonly output: Record<string, unknown>;
  readonly errors: readonly FieldError[];
}

export type CompiledMapping = (data: unknown) => MappingResult;

/** Every problem of a mapping, each pointer starting with the target field (`/email/lower`). */
export function validateMapping(mapping: Mapping, options?: CompileOptions): Problem[] {
  return [...buildMapping(mapping, options).problems];
}

function buildMapping(mapping: Mapping, options: CompileOptions | undefined) {
  const limits = resolveLimits(options?.limits);
  const builder = new TreeBuilder({ limits, allow: options?.allow, deny: options?.deny });
  const fields: {
    readonly field: string;
    readonly pointer: string;
    readonly evaluator: Evaluator;
  }[] = [];
  if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) {
    return {
      limits,
      fields,
      problems: [{ pointer: '', message: 'a mapping is an object of target field -> expression' }],
      readSlots: 0,
    };
  }
  const refused: Problem[] = [];
  for (const field of Object.keys(mapping)) {
    const pointer = pointerTo('', field);
    if (reservedFieldNames.has(field)) {
      refused.push({
        pointer,
        message: `"${field}" cannot be an output field: it names a JavaScript object's prototype`,
      });
    }
    const { evaluator } = buildTree(mapping[field], options, limits, pointer, builder);
    fields.push({ field, pointer, evaluator });
  }
  const problems = refused.length > 0 ? [...refused, ...builder.problems] : builder.problems;
  return { limits, fields, problems, readSlots: builder.readSlots };
}

/** Output field names a mapping may not have: a target would drop or misread them. */
const reservedFieldNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Compiles a mapping (every field validated; all problems thrown together in an
 * `ExpressionValidationError`). The result evaluates every field against the data, sharing one
 * item count and time budget, and reports each failing field instead of stopping.
 *
 * @example
 * const toContact = compileMapping({ email: { lower: { var: 'Email' } }, name: { var: 'Name' } });
 * toContact({ Email: 'ADA@EXAMPLE.COM', Name: 'Ada' }); // { output: { email: 'ada@example.com', name: 'Ada' }, errors: [] }
 */
export function compileMapping(mapping: Mapping, options?: CompileOptions): CompiledMapping {
  const { limits, fields, problems, readSlots } = buildMapping(mapping, options);
  if (problems.length > 0) throw new ExpressionValidationError(problems);
  const count = fields.length;
  const names = fields.map((f) => f.field);
  const evaluators = fields.map((f) => f.evaluator);
  const Output = outputConstructor();
  return (input) => {
    const data = input === undefined ? null : input;
    const run = startRun(limits, data, readSlots);
    const output: Record<string, unknown> = new Output();
    let errors: FieldError[] | undefined;
    for (let i = 0; i < count; i++) {
      const field = names[i] as string;
      try {
        const value = (evaluators[i] as Evaluator)(data, null, run);
        if (value === OMIT) continue;
        if (field === '__proto__') {
          Object.defineProperty(output, field, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else output[field] = value;
      } catch (error) {
        errors ??= [];
        errors.push(fieldError(field, pointerTo('', field), error));
      }
    }
    return { output, errors: errors ?? noErrors };
  };
}

/**
 * A constructor of plain objects (prototype `Object.prototype`, like `{}`), one per compiled
 * mapping: its objects get their own hidden classes with in-object room for the fields, so
 * writing the fields does not reallocate or walk the shared `{}` transition tree.
 */
function outputConstructor(): new () => Record<string, unknown> {
  function Output(): void {}
  Output.prototype = Object.prototype;
  return Output as unknown as new () => Record<string, unknown>;
}

const noErrors: readonly FieldError[] = Object.freeze([]);

function fieldError(field: string, fallbackPointer: string, caught: unknown): FieldError {
  const error = asLimitError(caught, fallbackPointer);
  if (error instanceof Error && 'kind' in error && 'pointer' in error) {
    const pointer = String(error.pointer) || fallbackPointer;
    const message = error.message.startsWith(`${pointer}: `)
      ? error.message.slice(pointer.length + 2)
      : error.message;
    const limit = 'limit' in error ? { limit: String(error.limit) } : {};
    return { field, pointer, message, kind: String(error.kind), ...limit };
  }
  throw error;
}

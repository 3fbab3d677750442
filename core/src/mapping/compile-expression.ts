import { ExpressionValidationError } from './expression-error.js';
import { asLimitError, resolveLimits, startRun } from './limits.js';
import { TreeBuilder } from './tree-builder.js';
import type {
  CompiledExpression,
  CompileOptions,
  Evaluator,
  Expression,
  Limits,
  Problem,
} from './types.js';

/** Validates and compiles; the evaluator tree is returned even when problems were found. */
export function buildTree(
  expression: unknown,
  options: CompileOptions | undefined,
  limits: Limits = resolveLimits(options?.limits),
  root = '',
  builder = new TreeBuilder({ limits, allow: options?.allow, deny: options?.deny }),
): {
  readonly evaluator: Evaluator;
  readonly problems: readonly Problem[];
  readonly builder: TreeBuilder;
} {
  const evaluator = builder.child(expression, root, 0);
  return { evaluator, problems: builder.problems, builder };
}

/**
 * Every problem of `expression` (unknown or refused operations, wrong argument counts, too deep,
 * too many nodes), each with a JSON pointer into the expression. Empty when it is valid.
 *
 * @example validateExpression({ "upper": [] }) // [{ pointer: "/upper", message: "\"upper\" takes exactly 1 argument, got 0" }]
 */
export function validateExpression(expression: unknown, options?: CompileOptions): Problem[] {
  return [...buildTree(expression, options).problems];
}

/**
 * Compiles a JSON-logic expression into an evaluator made of closures (no code generation).
 * Throws `ExpressionValidationError` listing every problem when the expression is invalid.
 * The evaluator throws `ExpressionEvaluationError` (bad values, `throw`) or `ExpressionLimitError`.
 *
 * @example
 * const fullName = compileExpression({ cat: [{ var: 'first' }, ' ', { var: 'last' }] });
 * fullName({ first: 'Ada', last: 'Lovelace' }); // 'Ada Lovelace'
 */
export function compileExpression(
  expression: Expression,
  options?: CompileOptions,
): CompiledExpression {
  const limits = resolveLimits(options?.limits);
  const { evaluator, problems, builder } = buildTree(expression, options, limits);
  if (problems.length > 0) throw new ExpressionValidationError(problems);
  const readSlots = builder.readSlots;
  return (input: unknown) => {
    const data = input === undefined ? null : input;
    try {
      return evaluator(data, null, startRun(limits, data, readSlots));
    } catch (error) {
      throw asLimitError(error, '');
    }
  };
}

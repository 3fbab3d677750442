export { collectVarPaths } from './collect-var-paths.js';
export { compileExpression, validateExpression } from './compile-expression.js';
export {
  type CompiledMapping,
  compileMapping,
  type FieldError,
  type Mapping,
  type MappingResult,
  validateMapping,
} from './compile-mapping.js';
export {
  ExpressionEvaluationError,
  ExpressionLimitError,
  ExpressionValidationError,
} from './expression-error.js';
export { defaultLimits } from './limits.js';
export { operationNames } from './operation-table.js';
export type {
  CompiledExpression,
  CompileOptions,
  Expression,
  JsonValue,
  Limits,
  Problem,
} from './types.js';

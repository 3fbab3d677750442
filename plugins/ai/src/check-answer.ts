import { InvalidInputError, type JsonValue, RetryableError } from '@junction/connector-kit';
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function validatorOf(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema as object);
    } catch (error) {
      throw new InvalidInputError(
        `The schema is not a valid JSON Schema: ${(error as Error).message}`,
        {
          problems: [{ pointer: '/schema', message: (error as Error).message }],
        },
      );
    }
    if (compiled.size > 200) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * A checker of a model's answers against `schema` (made before the model is asked: a schema that
 * is not JSON Schema is the input's fault, never retried). It parses an answer and checks it; an
 * answer that is not JSON, or does not fit, is a retryable error (a model may answer better the
 * next time) that says why.
 *
 * @example
 * ```ts
 * answerChecker({ type: 'object', properties: { total: { type: 'number' } } })('{"total": 12}');
 * ```
 */
export function answerChecker(schema: unknown): (content: string) => JsonValue {
  const validate = validatorOf(schema);
  return (content) => checkAnswer(content, validate);
}

function checkAnswer(content: string, validate: ValidateFunction): JsonValue {
  let data: JsonValue;
  try {
    data = JSON.parse(content) as JsonValue;
  } catch {
    throw new RetryableError(
      `The model's answer is not valid JSON: ${JSON.stringify(content.slice(0, 200))}`,
    );
  }
  if (!validate(data)) {
    const why = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    throw new RetryableError(`The model's answer does not fit the schema: ${why}`);
  }
  return data;
}

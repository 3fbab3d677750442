/** Why an event cannot be stored as it is, and where in it. */
export interface UnstorablePart {
  /** JSON pointer into the event's data ('' for the whole value). */
  readonly pointer: string;
  readonly reason: 'nul' | 'lone-surrogate' | 'too-deep';
  readonly detail: string;
}

/**
 * The first part of `value` PostgreSQL cannot store in a jsonb column or Junction refuses to:
 * a string or key holding the NUL character (U+0000) or a lone UTF-16 surrogate, or an object or
 * array nested deeper than `maxDepth`. Walks the value once without recursion.
 */
export function unstorablePart(value: unknown, maxDepth: number): UnstorablePart | undefined {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [
    { value, pointer: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; pointer: string; depth: number };
    const { value: current, pointer, depth } = item;
    if (typeof current === 'string') {
      const problem = textProblem(current, pointer);
      if (problem) return problem;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) {
      return {
        pointer,
        reason: 'too-deep',
        detail: `nested deeper than JUNCTION_JSON_MAX_DEPTH (${maxDepth} levels)`,
      };
    }
    const entries = Array.isArray(current)
      ? current.map((v, i) => [String(i), v] as const)
      : Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as readonly [string, unknown];
      const childPointer = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      const keyProblem = textProblem(key, childPointer);
      if (keyProblem) return { ...keyProblem, detail: `the key ${keyProblem.detail}` };
      stack.push({ value: child, pointer: childPointer, depth: depth + 1 });
    }
  }
  return undefined;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a text is one PostgreSQL's text and jsonb types can hold, and why not. */
export function textProblem(text: string, pointer: string): UnstorablePart | undefined {
  if (text.includes('\u0000')) {
    return { pointer, reason: 'nul', detail: 'holds the NUL character (\\u0000)' };
  }
  if (loneSurrogate.test(text)) {
    return { pointer, reason: 'lone-surrogate', detail: 'holds a lone UTF-16 surrogate' };
  }
  return undefined;
}

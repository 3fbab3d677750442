/** What is wrong with the shape of a JSON text, and where. */
export interface JsonShapeProblem {
  readonly kind: 'too-deep' | 'prototype-key';
  readonly pointer: string;
}

/**
 * The first object or array in the JSON text `text` nested deeper than `maxDepth`, or the first
 * key `__proto__` (a parser's objects would take it as their prototype, silently), or undefined.
 * One pass over the text, no recursion, no parsing of values (only object keys are decoded, to
 * name the pointer); malformed text is left to the parser.
 */
export function jsonShapeProblem(text: string, maxDepth: number): JsonShapeProblem | undefined {
  const path: Array<string | number> = [];
  const inArray: boolean[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const key = keyOf(text.slice(i, end + 1));
        path[path.length - 1] = key;
        if (key === '__proto__') return { kind: 'prototype-key', pointer: pointerOf(path) };
        expectKey = false;
      }
      i = end;
    } else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (path.length >= maxDepth) return { kind: 'too-deep', pointer: pointerOf(path) };
      const array = ch === 91;
      path.push(array ? 0 : '');
      inArray.push(array);
      expectKey = !array;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
      path.pop();
      inArray.pop();
      expectKey = false;
    } else if (ch === 44 /* , */ && path.length > 0) {
      if (inArray[inArray.length - 1]) path[path.length - 1] = (path.at(-1) as number) + 1;
      else expectKey = true;
    }
  }
  return undefined;
}

/** Index of the quote closing the string that starts at `start` (or the text's end). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 92 /* \ */) i += 2;
    else if (ch === 34) return i;
    else i++;
  }
  return text.length;
}

function keyOf(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted.slice(1, -1);
  }
}

function pointerOf(path: ReadonlyArray<string | number>): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

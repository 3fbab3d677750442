import { toNumber, toText } from '../coerce.js';
import { ExpressionLimitError } from '../expression-error.js';
import { chargeItems, checkString } from '../limits.js';
import { argumentList, eager, foldConstant, type Operation } from '../operation.js';
import type { Evaluator } from '../types.js';

const eagerCat = eager({
  name: 'cat',
  apply: (values, run, p) => {
    let text = '';
    for (const value of values) text += toText(value);
    return checkString(run, text, p);
  },
});

/**
 * `{"cat": [a, b, ...]}`: the values' text joined (null is empty). A literal argument list is
 * compiled to a template: literal parts joined at compile time, only the others evaluated.
 */
export const catOperation: Operation = {
  name: 'cat',
  compile(arg, site, builder) {
    if (!Array.isArray(arg)) return eagerCat.compile(arg, site, builder);
    const list = argumentList(arg, site, builder);
    if (list === undefined) return builder.constant(null);
    const p = site.pointer;
    const parts: Evaluator[] = [];
    const texts: string[] = [''];
    for (const item of list) {
      const fixed = builder.constantOf(item);
      if (fixed === undefined) {
        parts.push(item);
        texts.push('');
      } else texts[texts.length - 1] += toText(fixed.value);
    }
    const [t0, t1, t2] = texts as [string, string, string];
    const [e0, e1] = parts as [Evaluator, Evaluator];
    if (parts.length === 0) return foldConstant(builder, (_d, _s, r) => checkString(r, t0, p));
    if (parts.length === 1) return (d, s, r) => checkString(r, t0 + toText(e0(d, s, r)) + t1, p);
    if (parts.length === 2) {
      return (d, s, r) =>
        checkString(r, t0 + toText(e0(d, s, r)) + t1 + toText(e1(d, s, r)) + t2, p);
    }
    const n = parts.length;
    return (d, s, r) => {
      let text = t0;
      for (let i = 0; i < n; i++) text += toText((parts[i] as Evaluator)(d, s, r)) + texts[i + 1];
      return checkString(r, text, p);
    };
  },
};

function substr(source: unknown, start: unknown, length: unknown, p: string): string {
  const text = toText(source);
  const from = typeof start === 'number' ? Math.trunc(start) : Math.trunc(toNumber(start, p));
  const begin = from < 0 ? Math.max(0, text.length + from) : Math.min(from, text.length);
  if (length === undefined || length === null) return text.slice(begin);
  const count = Math.trunc(toNumber(length, p));
  return count < 0
    ? text.slice(begin, Math.max(begin, text.length + count))
    : text.slice(begin, begin + count);
}

/** `{"substr": [text, start, length]}` as json-logic-js (a negative length counts from the end). */
export const substrOperation = eager({
  name: 'substr',
  min: 1,
  max: 3,
  apply: ([source, start = 0, length], _run, p) => substr(source, start, length, p),
  unary: (source, _run, p) => substr(source, 0, undefined, p),
  binary: (source, start, _run, p) => substr(source, start, undefined, p),
  ternary: (source, start, length, _run, p) => substr(source, start, length, p),
});

/** Operations on one text value: null stays null, so missing fields pass through. */
function textual(name: string, transform: (text: string) => string) {
  return eager({
    name,
    min: 1,
    max: 1,
    chain: false,
    apply: ([value], run, p) =>
      value === null ? null : checkString(run, transform(toText(value)), p),
    unary: (value, run, p) =>
      value === null ? null : checkString(run, transform(toText(value)), p),
  });
}

export const lowerOperation = textual('lower', (text) => text.toLowerCase());
export const upperOperation = textual('upper', (text) => text.toUpperCase());
export const trimOperation = textual('trim', (text) => text.trim());

/** `{"split": [text, separator]}`: an array of parts (null gives []). */
export const splitOperation = eager({
  name: 'split',
  chain: false,
  min: 2,
  max: 2,
  apply: ([value, separator], run, p) => {
    if (value === null) return [];
    const parts = toText(value).split(toText(separator));
    chargeItems(run, parts.length, p);
    return parts;
  },
});

/** `{"join": [array, separator]}`: the items' text joined by the separator. */
export const joinOperation = eager({
  name: 'join',
  chain: false,
  min: 1,
  max: 2,
  apply: ([list, separator = ''], run, p) => {
    if (!Array.isArray(list)) return list === null ? null : toText(list);
    chargeItems(run, list.length, p);
    const texts = list.map(toText);
    const glue = toText(separator);
    let length = glue.length * Math.max(0, texts.length - 1);
    for (const text of texts) length += text.length;
    if (length > run.limits.maxStringLength) {
      throw new ExpressionLimitError(
        'maxStringLength',
        p,
        `would produce a string of ${length} characters, more than ${run.limits.maxStringLength}`,
      );
    }
    return texts.join(glue);
  },
});

/** `{"replace": [text, search, replacement]}`: every occurrence, literal text (no patterns). */
export const replaceOperation = eager({
  name: 'replace',
  chain: false,
  min: 3,
  max: 3,
  apply: ([value, search, replacement], run, p) => {
    if (value === null) return null;
    const text = toText(value);
    const needle = toText(search);
    if (needle === '') return text;
    const substitute = toText(replacement);
    let count = 0;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      count++;
    }
    const length = text.length + count * (substitute.length - needle.length);
    if (length > run.limits.maxStringLength) {
      throw new ExpressionLimitError(
        'maxStringLength',
        p,
        `would produce a string of ${length} characters, more than ${run.limits.maxStringLength}`,
      );
    }
    return text.replaceAll(needle, () => substitute);
  },
});

/** `{"substring": [text, start, end]}`: characters from start up to (not including) end. */
export const substringOperation = eager({
  name: 'substring',
  chain: false,
  min: 2,
  max: 3,
  apply: ([value, start, end], _run, p) => {
    if (value === null) return null;
    const text = toText(value);
    const from = Math.trunc(toNumber(start, p));
    const to = end === undefined || end === null ? text.length : Math.trunc(toNumber(end, p));
    return text.slice(
      from < 0 ? Math.max(0, text.length + from) : from,
      to < 0 ? text.length + to : to,
    );
  },
});

function padding(name: 'pad_start' | 'pad_end') {
  return eager({
    name,
    min: 2,
    max: 3,
    chain: false,
    apply: ([value, length, fill = ' '], run, p) => {
      const target = Math.trunc(toNumber(length, p));
      const text = toText(value);
      const filler = toText(fill);
      const size = Math.min(target, run.limits.maxStringLength + 1);
      const padded = name === 'pad_start' ? text.padStart(size, filler) : text.padEnd(size, filler);
      return checkString(run, padded, p);
    },
  });
}

export const padStartOperation = padding('pad_start');
export const padEndOperation = padding('pad_end');

import { toNumber, toText } from '../coerce.js';
import { chargeItems, checkString } from '../limits.js';
import { eager } from '../operation.js';

/** `{"cat": [a, b, ...]}`: the values' text joined (null is empty). */
export const catOperation = eager({
  name: 'cat',
  apply: (values, run, p) => {
    let text = '';
    for (const value of values) text += toText(value);
    return checkString(run, text, p);
  },
  binary: (a, b, run, p) => checkString(run, toText(a) + toText(b), p),
  ternary: (a, b, c, run, p) => checkString(run, toText(a) + toText(b) + toText(c), p),
  quaternary: (a, b, c, d, run, p) =>
    checkString(run, toText(a) + toText(b) + toText(c) + toText(d), p),
});

/** `{"substr": [text, start, length]}` as json-logic-js (a negative length counts from the end). */
export const substrOperation = eager({
  name: 'substr',
  min: 1,
  max: 3,
  apply: ([source, start = 0, length], _run, p) => {
    const text = toText(source);
    const from = Math.trunc(toNumber(start, p));
    const begin = from < 0 ? Math.max(0, text.length + from) : Math.min(from, text.length);
    if (length === undefined || length === null) return text.slice(begin);
    const count = Math.trunc(toNumber(length, p));
    return count < 0
      ? text.slice(begin, Math.max(begin, text.length + count))
      : text.slice(begin, begin + count);
  },
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
    return checkString(run, list.map(toText).join(toText(separator)), p);
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
    return checkString(run, text.split(needle).join(toText(replacement)), p);
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

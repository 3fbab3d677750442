import { toNumber, toText } from '../coerce.js';
import { eager } from '../operation.js';

/** `{"round": [number, digits?]}`: half away from zero, at `digits` decimals (default 0). */
export const roundOperation = eager({
  name: 'round',
  min: 1,
  max: 2,
  chain: false,
  apply: ([value, digits = 0], _run, p) => {
    if (value === null) return null;
    const n = toNumber(value, p);
    const d = Math.max(-15, Math.min(15, Math.trunc(toNumber(digits, p))));
    const abs = Math.abs(n);
    const scaled = String(abs).includes('e') ? abs * 10 ** d : Number(`${abs}e${d}`);
    const rounded = Math.round(scaled);
    const back = String(rounded).includes('e') ? rounded / 10 ** d : Number(`${rounded}e${-d}`);
    const result = back * Math.sign(n);
    return Object.is(result, -0) ? 0 : result;
  },
});

/**
 * `{"number_parse": [text, decimalSeparator?]}`: a number from text such as `"1,234.50"` or, with
 * `","` as the decimal separator, `"1.234,50"`; null when the text is not a number.
 */
export const numberParseOperation = eager({
  name: 'number_parse',
  min: 1,
  max: 2,
  chain: false,
  apply: ([value, separator = '.']) => {
    if (typeof value === 'number') return value;
    if (value === null || typeof value === 'object') return null;
    const decimal = toText(separator) === ',' ? ',' : '.';
    const group = decimal === '.' ? /[,\s\u00a0']/g : /[.\s\u00a0']/g;
    const text = toText(value).trim().replace(group, '').replace(decimal, '.');
    if (!isDecimalText(text)) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  },
});

function digitsFrom(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) break;
    i++;
  }
  return i;
}

/**
 * Whether `text` is `[+-]digits[.digits][e[+-]digits]` (at least one digit before or after the
 * point), read once from left to right: a regular expression with two adjacent digit runs
 * backtracks quadratically on a long run of digits that ends badly.
 */
export function isDecimalText(text: string): boolean {
  let i = text[0] === '+' || text[0] === '-' ? 1 : 0;
  const integerEnd = digitsFrom(text, i);
  let digits = integerEnd - i;
  i = integerEnd;
  if (text[i] === '.') {
    const fractionEnd = digitsFrom(text, i + 1);
    digits += fractionEnd - i - 1;
    i = fractionEnd;
  }
  if (digits === 0) return false;
  if (text[i] === 'e' || text[i] === 'E') {
    const sign = text[i + 1] === '+' || text[i + 1] === '-' ? 1 : 0;
    const exponentEnd = digitsFrom(text, i + 1 + sign);
    if (exponentEnd === i + 1 + sign) return false;
    i = exponentEnd;
  }
  return i === text.length;
}

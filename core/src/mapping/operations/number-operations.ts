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
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  },
});

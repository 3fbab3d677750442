import { toNumber } from '../coerce.js';
import { invalidArguments, notANumber } from '../expression-error.js';
import { eager, type Operation } from '../operation.js';

function finite(value: number, pointer: string): number {
  if (Number.isNaN(value)) throw notANumber(pointer, 'the result is not a number');
  return value;
}

export const plusOperation = eager({
  name: '+',
  apply: (values, _run, p) => {
    let sum = 0;
    for (const value of values) sum += toNumber(value, p);
    return finite(sum, p);
  },
  unary: (a, _run, p) => toNumber(a, p),
  binary: (a, b, _run, p) =>
    finite(
      (typeof a === 'number' ? a : toNumber(a, p)) + (typeof b === 'number' ? b : toNumber(b, p)),
      p,
    ),
});

export const timesOperation = eager({
  name: '*',
  apply: (values, _run, p) => {
    let product = 1;
    for (const value of values) product *= toNumber(value, p);
    return finite(product, p);
  },
  binary: (a, b, _run, p) =>
    finite(
      (typeof a === 'number' ? a : toNumber(a, p)) * (typeof b === 'number' ? b : toNumber(b, p)),
      p,
    ),
});

export const minusOperation = eager({
  name: '-',
  min: 1,
  apply: (values, _run, p) => {
    if (values.length === 1) return 0 - toNumber(values[0], p);
    let result = toNumber(values[0], p);
    for (let i = 1; i < values.length; i++) result -= toNumber(values[i], p);
    return finite(result, p);
  },
  binary: (a, b, _run, p) =>
    finite(
      (typeof a === 'number' ? a : toNumber(a, p)) - (typeof b === 'number' ? b : toNumber(b, p)),
      p,
    ),
});

function divide(dividend: number, divisor: number, pointer: string): number {
  if (divisor === 0) throw notANumber(pointer, 'division by zero');
  return finite(dividend / divisor, pointer);
}

export const divideOperation = eager({
  name: '/',
  min: 1,
  apply: (values, _run, p) => {
    if (values.length === 1) return divide(1, toNumber(values[0], p), p);
    let result = toNumber(values[0], p);
    for (let i = 1; i < values.length; i++) result = divide(result, toNumber(values[i], p), p);
    return result;
  },
});

export const moduloOperation = eager({
  name: '%',
  min: 2,
  apply: (values, _run, p) => {
    let result = toNumber(values[0], p);
    for (let i = 1; i < values.length; i++) result %= toNumber(values[i], p);
    return finite(result, p);
  },
});

function extreme(name: 'max' | 'min'): Operation {
  const pick = name === 'max' ? Math.max : Math.min;
  return eager({
    name,
    min: 1,
    apply: (values, _run, p) => {
      if (values.length === 0) throw invalidArguments(p, `"${name}" needs at least one number`);
      let result = toNumber(values[0], p);
      for (let i = 1; i < values.length; i++) result = pick(result, toNumber(values[i], p));
      return result;
    },
  });
}

export const maxOperation = extreme('max');
export const minOperation = extreme('min');

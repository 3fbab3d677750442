import { toNumber, toText } from '../coerce.js';
import { formatDate, parseIso, parseWithPattern } from '../date-text.js';
import { ExpressionEvaluationError, shownValue } from '../expression-error.js';
import { checkString } from '../limits.js';
import { eager } from '../operation.js';
import type { Run } from '../types.js';
import { instantOf, isTimeZone, wallTime } from '../zoned-time.js';

/** Largest distance from the epoch of a JavaScript date, in milliseconds (about 275,000 years). */
const maxInstant = 8.64e15;

function invalidDate(pointer: string, message: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError('Invalid Date', pointer, message);
}

function zoneOf(value: unknown, pointer: string): string {
  if (value === undefined || value === null || value === '') return 'UTC';
  const zone = toText(value);
  if (!isTimeZone(zone)) throw invalidDate(pointer, `unknown time zone ${shownValue(zone)}`);
  return zone;
}

/** Epoch milliseconds of an ISO 8601 text or an epoch-milliseconds number. */
function instant(value: unknown, zone: string, pointer: string, pattern?: unknown): number {
  if (typeof value === 'number' && Math.abs(value) <= maxInstant) return value;
  if (typeof value === 'string') {
    const ms =
      pattern === undefined || pattern === null || pattern === 'iso'
        ? parseIso(value, zone)
        : parseWithPattern(value, toText(pattern), zone);
    if (ms !== undefined && Math.abs(ms) <= maxInstant) return ms;
  }
  throw invalidDate(pointer, `${shownValue(value)} is not a date`);
}

/** ISO 8601 UTC text of `ms`, or an Invalid Date error when no date is that far from the epoch. */
function isoText(ms: number, pointer: string): string {
  if (!(Math.abs(ms) <= maxInstant)) {
    throw invalidDate(pointer, 'the date is outside the range of dates (year -271821 to 275760)');
  }
  return new Date(ms).toISOString();
}

/** `{"date_parse": [text, format?, zone?]}` -> ISO 8601 UTC text (`2024-03-01T09:00:00.000Z`). */
export const dateParseOperation = eager({
  name: 'date_parse',
  min: 1,
  max: 3,
  chain: false,
  apply: ([value, pattern, zone], _run, p) => {
    if (value === null || value === '') return null;
    return isoText(instant(value, zoneOf(zone, p), p, pattern), p);
  },
});

function formatValue(
  value: unknown,
  pattern: unknown,
  zone: unknown,
  run: Run,
  p: string,
): unknown {
  if (value === null || value === '') return null;
  const tz = zoneOf(zone, p);
  const text = formatDate(
    instant(value, tz, p),
    pattern === null || pattern === undefined ? 'iso' : toText(pattern),
    tz,
  );
  return checkString(run, text, p);
}

/** `{"date_format": [date, format?, zone?]}`: tokens (`dd/MM/yyyy HH:mm`) or `iso` (default). */
export const dateFormatOperation = eager({
  name: 'date_format',
  min: 1,
  max: 3,
  chain: false,
  apply: ([value, pattern, zone], run, p) => formatValue(value, pattern, zone, run, p),
  unary: (value, run, p) => formatValue(value, undefined, undefined, run, p),
  binary: (value, pattern, run, p) => formatValue(value, pattern, undefined, run, p),
  ternary: (value, pattern, zone, run, p) => formatValue(value, pattern, zone, run, p),
});

const fixedUnits: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
};
const calendarUnits: Readonly<Record<string, readonly [months: number, days: number]>> = {
  day: [0, 1],
  week: [0, 7],
  month: [1, 0],
  year: [12, 0],
};

function unitOf(value: unknown, pointer: string): string {
  const unit = toText(value).replace(/s$/, '');
  if (Object.hasOwn(fixedUnits, unit) || Object.hasOwn(calendarUnits, unit)) return unit;
  throw invalidDate(pointer, `unknown unit ${shownValue(value)}`);
}

function addCalendar(ms: number, months: number, days: number, zone: string): number {
  const wall = wallTime(ms, zone);
  const totalMonths = wall.year * 12 + (wall.month - 1) + months;
  const year = Math.floor(totalMonths / 12);
  const month = (totalMonths % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const shifted = { ...wall, year, month, day: Math.min(wall.day, lastDay) };
  if (days === 0) return instantOf(shifted, zone);
  const moved = new Date(Date.UTC(year, month - 1, shifted.day + days));
  return instantOf(
    {
      ...shifted,
      year: moved.getUTCFullYear(),
      month: moved.getUTCMonth() + 1,
      day: moved.getUTCDate(),
    },
    zone,
  );
}

function add(ms: number, amount: number, unit: string, zone: string): number {
  const fixed = fixedUnits[unit];
  if (fixed !== undefined) return ms + amount * fixed;
  const [months, days] = calendarUnits[unit] ?? [0, 0];
  return addCalendar(ms, months * amount, days * amount, zone);
}

/** `{"date_add": [date, amount, unit, zone?]}` -> ISO 8601 UTC text; days and months follow the zone's calendar. */
export const dateAddOperation = eager({
  name: 'date_add',
  min: 3,
  max: 4,
  chain: false,
  apply: ([value, amount, unitName, zone], _run, p) => {
    if (value === null || value === '') return null;
    const tz = zoneOf(zone, p);
    const count = Math.trunc(toNumber(amount, p));
    return isoText(add(instant(value, tz, p), count, unitOf(unitName, p), tz), p);
  },
});

/** `{"date_diff": [from, to, unit, zone?]}`: whole units from `from` to `to` (negative when earlier). */
export const dateDiffOperation = eager({
  name: 'date_diff',
  min: 3,
  max: 4,
  chain: false,
  apply: ([fromValue, toValue, unitName, zone], _run, p) => {
    if (fromValue === null || toValue === null) return null;
    const tz = zoneOf(zone, p);
    const from = instant(fromValue, tz, p);
    const to = instant(toValue, tz, p);
    const unit = unitOf(unitName, p);
    const fixed = fixedUnits[unit];
    if (fixed !== undefined) return Math.trunc((to - from) / fixed);
    if (unit === 'day' || unit === 'week') {
      const a = wallTime(from, tz);
      const b = wallTime(to, tz);
      const dayMs = 86_400_000;
      const wallFrom = Date.UTC(
        a.year,
        a.month - 1,
        a.day,
        a.hour,
        a.minute,
        a.second,
        a.millisecond,
      );
      const wallTo = Date.UTC(
        b.year,
        b.month - 1,
        b.day,
        b.hour,
        b.minute,
        b.second,
        b.millisecond,
      );
      return Math.trunc((wallTo - wallFrom) / (unit === 'day' ? dayMs : 7 * dayMs));
    }
    const a = wallTime(from, tz);
    const b = wallTime(to, tz);
    let months = (b.year - a.year) * 12 + (b.month - a.month);
    if (months > 0 && add(from, months, 'month', tz) > to) months--;
    if (months < 0 && add(from, months, 'month', tz) < to) months++;
    return unit === 'year' ? Math.trunc(months / 12) : months;
  },
});

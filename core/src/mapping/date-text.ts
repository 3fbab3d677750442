import { instantOf, offsetMinutes, type WallTime, wallTime } from './zoned-time.js';

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch milliseconds of an ISO 8601 date or date-time; no offset means a wall time in `zone`. */
export function parseIso(text: string, zone: string): number | undefined {
  const m = isoPattern.exec(text.trim());
  if (m === null) return undefined;
  const wall: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0')),
  };
  if (!validWall(wall)) return undefined;
  const offset = m[8];
  if (offset === undefined) return instantOf(wall, zone);
  const utc = instantOf(wall, 'UTC');
  if (offset.toUpperCase() === 'Z') return utc;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return utc - sign * minutes * 60_000;
}

function validWall(wall: WallTime): boolean {
  const days = new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate();
  return (
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= days &&
    wall.hour <= 23 &&
    wall.minute <= 59 &&
    wall.second <= 59
  );
}

const tokenPattern = /yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|SSS|a|XXX|X|'[^']*'/g;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function offsetText(minutes: number, zulu: boolean): string {
  if (minutes === 0 && zulu) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.trunc(abs / 60))}:${two(abs % 60)}`;
}

const compiledPatterns = new Map<string, readonly string[]>();

/** A format pattern split into tokens and literal text (`'...'` for literals), cached. */
function tokensOf(pattern: string): readonly string[] {
  let parts = compiledPatterns.get(pattern);
  if (parts === undefined) {
    const out: string[] = [];
    let last = 0;
    for (const match of pattern.matchAll(tokenPattern)) {
      if (match.index > last) out.push(`'${pattern.slice(last, match.index)}'`);
      out.push(match[0]);
      last = match.index + match[0].length;
    }
    if (last < pattern.length) out.push(`'${pattern.slice(last)}'`);
    parts = out;
    if (compiledPatterns.size > 200) compiledPatterns.clear();
    compiledPatterns.set(pattern, parts);
  }
  return parts;
}

/** Formats the instant `ms` in `zone` with tokens (`yyyy-MM-dd HH:mm`), or `iso`. */
export function formatDate(ms: number, pattern: string, zone: string): string {
  if (pattern === 'iso') {
    if (zone === 'UTC') return new Date(ms).toISOString();
    return formatDate(ms, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", zone);
  }
  const wall = wallTime(ms, zone);
  let text = '';
  for (const token of tokensOf(pattern)) text += formatToken(token, wall, ms, zone);
  return text;
}

function formatToken(token: string, wall: WallTime, ms: number, zone: string): string {
  switch (token) {
    case 'yyyy':
      return String(wall.year).padStart(4, '0');
    case 'yy':
      return two(wall.year % 100);
    case 'MM':
      return two(wall.month);
    case 'M':
      return String(wall.month);
    case 'dd':
      return two(wall.day);
    case 'd':
      return String(wall.day);
    case 'HH':
      return two(wall.hour);
    case 'H':
      return String(wall.hour);
    case 'hh':
      return two(wall.hour % 12 || 12);
    case 'h':
      return String(wall.hour % 12 || 12);
    case 'mm':
      return two(wall.minute);
    case 'm':
      return String(wall.minute);
    case 'ss':
      return two(wall.second);
    case 's':
      return String(wall.second);
    case 'SSS':
      return String(wall.millisecond).padStart(3, '0');
    case 'a':
      return wall.hour < 12 ? 'AM' : 'PM';
    case 'XXX':
      return offsetText(offsetMinutes(ms, zone), true);
    case 'X':
      return offsetText(offsetMinutes(ms, zone), true).replace(':', '');
    default:
      return token.slice(1, -1);
  }
}

/** The most fields (tokens other than literal text) a parsing pattern may hold. */
export const maxPatternFields = 64;

/** Parses `text` laid out as `pattern` (tokens yyyy MM M dd d HH H mm ss SSS), as a wall time in `zone`. */
export function parseWithPattern(text: string, pattern: string, zone: string): number | undefined {
  const parts = patternParts(pattern);
  if (parts === undefined) return undefined;
  const values = matchParts(parts, text.trim());
  if (values === undefined) return undefined;
  const wall = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  let pm: boolean | undefined;
  for (const [token, raw] of values) {
    const n = Number(raw);
    if (token === 'yyyy') wall.year = n;
    else if (token === 'yy') wall.year = 2000 + n;
    else if (token === 'MM' || token === 'M') wall.month = n;
    else if (token === 'dd' || token === 'd') wall.day = n;
    else if (token === 'HH' || token === 'H' || token === 'hh' || token === 'h') wall.hour = n;
    else if (token === 'mm' || token === 'm') wall.minute = n;
    else if (token === 'ss' || token === 's') wall.second = n;
    else if (token === 'SSS') wall.millisecond = n;
    else if (token === 'a') pm = raw.toUpperCase() === 'PM';
  }
  if (pm !== undefined) wall.hour = (wall.hour % 12) + (pm ? 12 : 0);
  return validWall(wall) ? instantOf(wall, zone) : undefined;
}

/** One piece of a parsing pattern: literal text, a run of digits, or AM/PM. */
type Part =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly token: string; readonly min: number; readonly max: number };

/** The pattern's parts, or undefined when it holds more than `maxPatternFields` fields. */
function patternParts(pattern: string): readonly Part[] | undefined {
  const parts: Part[] = [];
  let literal = '';
  let fields = 0;
  for (const token of tokensOf(pattern)) {
    if (token.startsWith("'")) {
      literal += token.slice(1, -1);
      continue;
    }
    if (++fields > maxPatternFields) return undefined;
    if (literal !== '') parts.push({ kind: 'literal', text: literal.toLowerCase() });
    literal = '';
    const width = token === 'a' ? 2 : token.length;
    parts.push({
      kind: 'field',
      token,
      min: width === 1 ? 1 : width,
      max: width === 1 ? 2 : width,
    });
  }
  if (literal !== '') parts.push({ kind: 'literal', text: literal.toLowerCase() });
  return parts;
}

/** Ends of the ways `part` can match `text` at `at`, the longest first (as a greedy pattern would). */
function endsOf(part: Part, text: string, lower: string, at: number): number[] {
  if (part.kind === 'literal') {
    return lower.startsWith(part.text, at) ? [at + part.text.length] : [];
  }
  if (part.token === 'a') {
    const word = lower.slice(at, at + 2);
    return word === 'am' || word === 'pm' ? [at + 2] : [];
  }
  let digits = 0;
  while (digits < part.max && isDigit(text.charCodeAt(at + digits))) digits++;
  const ends: number[] = [];
  for (let n = digits; n >= part.min; n--) ends.push(at + n);
  return ends;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * The field values of the match a backtracking regular expression would find, computed without
 * backtracking: the positions reachable after each part (a set no larger than the number of
 * fields), then the positions from which the rest can still match, then the first match in the
 * greedy order. Time is linear in the text and the pattern.
 */
function matchParts(
  parts: readonly Part[],
  text: string,
): Array<readonly [string, string]> | undefined {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return undefined;
  const reach: Array<Set<number>> = [new Set([0])];
  for (const part of parts) {
    const next = new Set<number>();
    for (const at of reach[reach.length - 1] as Set<number>) {
      for (const end of endsOf(part, text, lower, at)) next.add(end);
    }
    if (next.size === 0) return undefined;
    reach.push(next);
  }
  const viable: Array<Set<number>> = new Array(parts.length + 1);
  viable[parts.length] = new Set([text.length]);
  if (!(reach[parts.length] as Set<number>).has(text.length)) return undefined;
  for (let k = parts.length - 1; k >= 0; k--) {
    const good = new Set<number>();
    const after = viable[k + 1] as Set<number>;
    for (const at of reach[k] as Set<number>) {
      if (endsOf(parts[k] as Part, text, lower, at).some((end) => after.has(end))) good.add(at);
    }
    viable[k] = good;
  }
  const values: Array<readonly [string, string]> = [];
  let at = 0;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k] as Part;
    const after = viable[k + 1] as Set<number>;
    const end = endsOf(part, text, lower, at).find((e) => after.has(e));
    if (end === undefined) return undefined;
    if (part.kind === 'field') values.push([part.token, text.slice(at, end)]);
    at = end;
  }
  return values;
}

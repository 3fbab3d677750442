/**
 * Calendar arithmetic in IANA time zones with `Intl` only. Instants are epoch milliseconds;
 * wall times are the fields a clock in the zone shows.
 */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `zone` is a time zone `Intl` knows (`UTC`, `Europe/Paris`, `+02:00` is not one). */
export function isTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall time in `zone` at the instant `ms`. */
export function wallTime(ms: number, zone: string): WallTime {
  if (zone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millisecond: d.getUTCMilliseconds(),
    };
  }
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

function utcOf(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

/** Offset of `zone` from UTC at the instant `ms`, in minutes (Paris in summer: 120). */
export function offsetMinutes(ms: number, zone: string): number {
  if (zone === 'UTC') return 0;
  return Math.round((utcOf(wallTime(ms, zone)) - ms) / 60_000);
}

/** The instant at which a clock in `zone` shows `wall` (the earlier one in a DST overlap). */
export function instantOf(wall: WallTime, zone: string): number {
  const local = utcOf(wall);
  if (zone === 'UTC') return local;
  const first = local - offsetMinutes(local, zone) * 60_000;
  const second = local - offsetMinutes(first, zone) * 60_000;
  return Math.min(first, second);
}

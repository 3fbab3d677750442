import { parseArgs } from 'node:util';

/** How long and how hard the soak bench runs. */
export interface SoakOptions {
  readonly minutes: number;
  /** Webhooks sent per second, at fixed times (an open loop: a slow answer delays no send). */
  readonly rate: number;
}

/**
 * `--minutes N` (default 10, at most 24 hours) and `--rate N` (webhooks a second, default 40,
 * below what one Junction process drains on a loaded 2-core machine) from the bench's arguments.
 * Throws a sentence naming the flag when a value is not a positive number.
 */
export function soakOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { minutes: { type: 'string' }, rate: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  return {
    minutes: positive('--minutes', values.minutes, 10, 24 * 60),
    rate: positive('--rate', values.rate, 40, 10_000),
  };
}

function positive(
  flag: string,
  value: string | boolean | undefined,
  fallback: number,
  most: number,
): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number <= 0 || number > most)
    throw new Error(
      `${flag} takes a number above 0 and at most ${most} (got ${value === true ? 'no value' : JSON.stringify(value)}).`,
    );
  return number;
}

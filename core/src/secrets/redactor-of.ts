import { createRedactor, type Redactor } from '@junction/connector-kit';

/** Redactors of recent secret sets: a busy connection's steps share one. */
const recent = new Map<string, Redactor>();
const RECENT_MAX = 256;

/**
 * The redactor of a connection's secret values (see connector-kit's `createRedactor`: every form a
 * secret takes, raw, encoded, inside base64, split across strings), reused across steps.
 */
export function redactorOf(secrets: readonly string[]): Redactor {
  const key = JSON.stringify(secrets);
  let redactor = recent.get(key);
  if (redactor === undefined) {
    redactor = createRedactor(secrets);
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
    recent.set(key, redactor);
  }
  return redactor;
}

/** A copy of `value` where every string containing one of `secrets`, in any form, has it hidden. */
export function redactValues(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  return redactorOf(secrets).value(value);
}

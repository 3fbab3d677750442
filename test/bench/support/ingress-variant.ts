/** A second Junction for the ingress bench: its own database, with extra settings or SQL. */
export interface IngressVariant {
  /** Environment variables over the bench's defaults for its process. */
  readonly env: Readonly<Record<string, string>>;
  /** SQL run on its database after the migrations, before it starts (a schema change to try). */
  readonly sql: string | undefined;
}

/**
 * Reads BENCH_INGRESS_VARIANT: JSON `{"env": {...}, "sql": "..."}` (both optional; `{}` is a
 * second, identical Junction). Undefined when unset; a plain sentence when malformed.
 */
export function readIngressVariant(
  text: string | undefined = process.env.BENCH_INGRESS_VARIANT,
): IngressVariant | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`BENCH_INGRESS_VARIANT is not JSON: ${text}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('BENCH_INGRESS_VARIANT must be a JSON object such as {"env": {}, "sql": ""}.');
  const { env = {}, sql, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new Error(
      `BENCH_INGRESS_VARIANT has unknown keys (${unknown.join(', ')}); use env and sql.`,
    );
  if (
    env === null ||
    typeof env !== 'object' ||
    Array.isArray(env) ||
    Object.values(env).some((v) => typeof v !== 'string')
  )
    throw new Error('BENCH_INGRESS_VARIANT.env must map variable names to strings.');
  if (sql !== undefined && typeof sql !== 'string')
    throw new Error('BENCH_INGRESS_VARIANT.sql must be a string of SQL.');
  return { env: env as Record<string, string>, sql };
}

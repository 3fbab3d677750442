/**
 * Whether PostgreSQL refused a value of the statement (SQLSTATE class 22, data exception: a NUL
 * character or a lone surrogate in text or jsonb, a number out of range, a string too long),
 * rather than the statement or the server failing: the request's data is at fault.
 */
export function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

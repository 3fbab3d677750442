import { isPluginError, type PluginErrorKind } from '@junction/registry';
import { PluginOperationError } from '../../plugins/plugin-operation-error.js';
import { HttpProblem, problem } from '../problem.js';

const statusOf: Partial<Record<PluginErrorKind, number>> = {
  'id-clash': 409,
  'already-installed': 409,
  'fetch-failed': 502,
};

/**
 * Turns a refused plugin (`PluginError`, with its `kind` and `problems`) or a refused operation
 * into problem+json: 409 for clashes and pinned versions (with `users`), 404 for a missing
 * install, 502 when the source could not be read, 422 for everything wrong with the package.
 */
export function toPluginProblem(error: unknown): unknown {
  if (isPluginError(error)) {
    return new HttpProblem(
      problem(statusOf[error.kind] ?? 422, error.message, {
        kind: error.kind,
        ...(error.problems.length ? { problems: error.problems } : {}),
      }),
    );
  }
  if (error instanceof PluginOperationError) {
    return new HttpProblem(
      problem(error.kind === 'in-use' ? 409 : 404, error.message, {
        kind: error.kind,
        ...(error.kind === 'in-use' ? { users: error.users } : {}),
      }),
    );
  }
  return error;
}

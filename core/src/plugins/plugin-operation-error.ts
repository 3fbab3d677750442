import type { PluginVersionUser } from './plugin-version-users.js';

/**
 * A plugin operation that cannot be done in the current state: no such install (`not-found`),
 * or a version still pinned by integrations (`in-use`, with the users).
 */
export class PluginOperationError extends Error {
  readonly kind: 'not-found' | 'in-use';
  readonly users: readonly PluginVersionUser[];
  constructor(
    kind: 'not-found' | 'in-use',
    message: string,
    users: readonly PluginVersionUser[] = [],
  ) {
    super(message);
    this.name = 'PluginOperationError';
    this.kind = kind;
    this.users = users;
  }
}

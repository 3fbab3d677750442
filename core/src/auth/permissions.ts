import type { RoleName } from './principal.js';

/**
 * What a request may do. Routes ask for one permission with `requirePermission(...)`
 * (core/src/http/middleware/require-role.ts); a role grants the permissions listed for it below.
 */
export const permissions = [
  /** Read configuration, runs and their state (never secrets). */
  'read',
  /** See the review queue and its statistics (a token's integration scope applies). */
  'reviews:read',
  /** Claim, edit, approve or reject review items (a token's integration scope applies). */
  'reviews:decide',
  /** Give a review item to a reviewer, or take it back. */
  'reviews:assign',
  /** Replay, cancel and retry runs. */
  'runs:operate',
  /** Test a connection against its system. */
  'connections:test',
  /** Read the audit trail and verify its chain. */
  'audit:read',
  /** Create, change and delete connections, integrations and mappings. */
  'config:write',
  /** Install and remove plugins. */
  'plugins:manage',
  /** Create, list and revoke API tokens. */
  'tokens:manage',
  /** Export the whole audit trail (NDJSON, CSV). */
  'audit:export',
] as const;
export type Permission = (typeof permissions)[number];

const operator: readonly Permission[] = [
  'read',
  'reviews:read',
  'reviews:assign',
  'runs:operate',
  'connections:test',
  'audit:read',
];

/**
 * The one role -> permission table. Reviewers see and decide the review queue (of the integrations
 * their token is limited to) and nothing else; editors do what operators do and change
 * configuration, but do not decide reviews (who configures a write does not approve it);
 * operators and admins reassign review items; admins do everything.
 *
 * | role     | read | reviews:read | reviews:decide | reviews:assign, runs:operate, connections:test, audit:read | config:write | plugins:manage, tokens:manage, audit:export |
 * | -------- | ---- | ------------ | -------------- | ---------------------------------------------------------- | ------------ | ------------------------------------------- |
 * | admin    | yes  | yes          | yes            | yes                                                        | yes          | yes                                         |
 * | editor   | yes  | yes          |                | yes                                                        | yes          |                                             |
 * | operator | yes  | yes          |                | yes                                                        |              |                                             |
 * | reviewer |      | yes          | yes            |                                                            |              |                                             |
 * | viewer   | yes  | yes          |                |                                                            |              |                                             |
 */
export const rolePermissions: Readonly<Record<RoleName, readonly Permission[]>> = {
  admin: permissions,
  editor: [...operator, 'config:write'],
  operator,
  reviewer: ['reviews:read', 'reviews:decide'],
  viewer: ['read', 'reviews:read'],
};

/** Whether `role` grants `permission`. */
export function roleHasPermission(role: RoleName, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** The roles that grant `permission`, most powerful first. */
export function rolesWithPermission(permission: Permission): RoleName[] {
  return (Object.keys(rolePermissions) as RoleName[]).filter((role) =>
    roleHasPermission(role, permission),
  );
}

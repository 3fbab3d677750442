/** Roles a token can hold, from most to least powerful. */
export const roles = ['admin', 'editor', 'operator', 'reviewer', 'viewer'] as const;
export type RoleName = (typeof roles)[number];

/** Who made a request: recorded as the actor of everything the request changes. */
export interface Principal {
  readonly kind: 'token';
  /** Token id, or `admin-env` for the token given by JUNCTION_ADMIN_TOKEN. */
  readonly id: string;
  readonly name: string;
  readonly role: RoleName;
}

/** The actor string stored with changes: `token:<id>`. */
export function actorOf(principal: Principal): string {
  return `token:${principal.id}`;
}

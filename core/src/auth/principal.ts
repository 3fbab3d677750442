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
  /** The integrations the token is limited to (reviewer tokens); undefined: all of them. */
  readonly integrations?: readonly string[];
}

/** Whether a principal may see and act on items of `integrationId`. */
export function inScope(principal: Principal, integrationId: string): boolean {
  return principal.integrations === undefined || principal.integrations.includes(integrationId);
}

/** The actor string stored with changes: `token:<id>`. */
export function actorOf(principal: Principal): string {
  return `token:${principal.id}`;
}

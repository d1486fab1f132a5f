/** Staff roles, lowest to highest. Each role can do everything the ones before it can. */
export const ROLES = ['support', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function hasRole(actual: Role | undefined | null, required: Role): boolean {
  if (!actual) return false;
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

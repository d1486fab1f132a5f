/** The staff accounts global-setup seeds (one per role). Test-only passwords. */
export const STAFF = {
  admin: { email: 'admin@callscope.test', password: 'admin-password-1', role: 'admin', name: 'Ada Admin' },
  engineer: { email: 'engineer@callscope.test', password: 'engineer-password-1', role: 'engineer', name: 'Eve Engineer' },
  support: { email: 'support@callscope.test', password: 'support-password-1', role: 'support', name: 'Sam Support' },
} as const;

export type StaffRole = keyof typeof STAFF;

/** Ingest JWT secret of the e2e server: the fixtures' own secret (../shared/fixtures/README.md). */
export const E2E_JWT_SECRET = 'fixture-secret-0123456789abcdef0123456789abcdef';

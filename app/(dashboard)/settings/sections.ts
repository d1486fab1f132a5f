/** The settings sections, for the side navigation and the overview cards. */
export const SETTINGS_SECTIONS = [
  {
    href: '/settings/keys',
    label: 'Signing keys',
    description: 'Ingest JWT secrets: create, rotate, revoke, grace period.',
  },
  {
    href: '/settings/tokens',
    label: 'Token tool',
    description: 'Mint an ingest token and get the trace.connect line.',
  },
  {
    href: '/settings/staff',
    label: 'Staff accounts',
    description: 'Create accounts, change roles, disable, reset passwords.',
  },
  { href: '/settings/api-keys', label: 'API keys', description: 'Keys for backends and automation (Bearer cs_…).' },
  {
    href: '/settings/room-policies',
    label: 'Room policies',
    description: 'Per conference: max participants, max duration, who may share a screen.',
  },
  {
    href: '/settings/webhooks',
    label: 'Webhooks',
    description: 'Session-monitoring events POSTed to your endpoints, signed; delivery log, tests, secrets.',
  },
  { href: '/settings/retention', label: 'Retention', description: 'How long raw dumps, series and sessions are kept.' },
  { href: '/settings/audit', label: 'Audit log', description: 'Who did what, when, from where. Read-only.' },
] as const;

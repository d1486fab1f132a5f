'use client';

import type { SelectHTMLAttributes } from 'react';
import { Select } from '@/components/form-fields';
import type { Role } from '@/lib/shared/roles';
import { ROLE_OPTIONS } from './settings-format';

/** The role picker of the staff and API-key pages: the three roles, least privileged first. */
export function RoleSelect({
  value,
  onRoleChange,
  ...rest
}: { value: Role; onRoleChange: (role: Role) => void } & Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'value' | 'onChange'
>) {
  return <Select value={value} onValue={(v) => onRoleChange(v as Role)} options={ROLE_OPTIONS} {...rest} />;
}

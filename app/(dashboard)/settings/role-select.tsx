'use client';

import type { SelectHTMLAttributes } from 'react';
import type { Role } from '@/lib/shared/roles';
import { ROLE_OPTIONS } from './settings-format';

/** The role picker of the staff and API-key pages: the three roles, least privileged first. */
export function RoleSelect({
  value,
  onRoleChange,
  ...rest
}: { value: Role; onRoleChange: (role: Role) => void } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'>) {
  return (
    <select value={value} onChange={(e) => onRoleChange(e.target.value as Role)} {...rest}>
      {ROLE_OPTIONS.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

'use client';

import { createContext, type ReactNode, useContext } from 'react';
import type { Role } from '@/lib/shared/roles';

export interface StaffInfo {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

const StaffContext = createContext<StaffInfo | null>(null);

/** The signed-in staff member, handed down from the server layout (the server re-checks roles on every API call). */
export function StaffProvider({ staff, children }: { staff: StaffInfo; children: ReactNode }) {
  return <StaffContext.Provider value={staff}>{children}</StaffContext.Provider>;
}

export function useStaff(): StaffInfo | null {
  return useContext(StaffContext);
}

import type { StaffAccountDto } from '@/lib/schemas/settings';
import { hashPassword, verifyPassword } from '@/lib/server/auth/password';
import { db } from '@/lib/server/db/client';
import { isRole, type Role } from '@/lib/shared/roles';

/** Staff accounts (dashboard users). Password hashes never leave this module. */
export interface StaffDto {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

const publicFields = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabled: true,
  createdAt: true,
  lastLoginAt: true,
} as const;

function toDto(row: {
  id: string;
  email: string;
  name: string | null;
  role: string;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}): StaffDto {
  return {
    ...row,
    role: isRole(row.role) ? row.role : 'support',
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function countStaff(): Promise<number> {
  return db().staffUser.count();
}

export async function createStaff(input: {
  email: string;
  password: string;
  role: Role;
  name?: string;
}): Promise<StaffDto> {
  const row = await db().staffUser.create({
    data: {
      email: normalizeEmail(input.email),
      name: input.name ?? null,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    },
    select: publicFields,
  });
  return toDto(row);
}

/** Checks a sign-in; returns the account only when the password matches and the account is enabled. */
export async function authenticateStaff(email: string, password: string): Promise<StaffDto | null> {
  const row = await db().staffUser.findUnique({ where: { email: normalizeEmail(email) } });
  if (!row || row.disabled) {
    // Same cost whether or not the account exists (no user enumeration by timing).
    await verifyPassword(
      password,
      'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    );
    return null;
  }
  if (!(await verifyPassword(password, row.passwordHash))) return null;
  await db().staffUser.update({ where: { id: row.id }, data: { lastLoginAt: new Date() } });
  return toDto(row);
}

export async function getStaff(id: string): Promise<StaffDto | null> {
  const row = await db().staffUser.findUnique({ where: { id }, select: publicFields });
  return row ? toDto(row) : null;
}

export async function listStaff(): Promise<StaffDto[]> {
  const rows = await db().staffUser.findMany({ select: publicFields, orderBy: { createdAt: 'asc' } });
  return rows.map(toDto);
}

export async function updateStaff(
  id: string,
  patch: { role?: Role; disabled?: boolean; password?: string; name?: string },
): Promise<StaffDto> {
  const row = await db().staffUser.update({
    where: { id },
    data: {
      role: patch.role,
      disabled: patch.disabled,
      name: patch.name,
      passwordHash: patch.password ? await hashPassword(patch.password) : undefined,
    },
    select: publicFields,
  });
  return toDto(row);
}

/** First admin from CALLSCOPE_ADMIN_EMAIL / CALLSCOPE_ADMIN_PASSWORD, only while no account exists. */
export async function provisionFirstAdmin(email?: string, password?: string): Promise<StaffDto | null> {
  if (!email || !password) return null;
  if ((await countStaff()) > 0) return null;
  return createStaff({ email, password, role: 'admin', name: 'Administrator' });
}

/** The enabled account a single sign-on identity (its email) maps to, or null. */
export async function findEnabledStaffIdByEmail(email: string): Promise<string | null> {
  const row = await db().staffUser.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, disabled: true },
  });
  return row && !row.disabled ? row.id : null;
}

/** The API's view of an account (settings → staff): times as epoch ms. */
export function staffDto(s: StaffDto): StaffAccountDto {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    role: s.role,
    disabled: s.disabled,
    createdAt: Date.parse(s.createdAt),
    lastLoginAt: s.lastLoginAt ? Date.parse(s.lastLoginAt) : null,
  };
}

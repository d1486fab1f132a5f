import type { NextAuthOptions } from 'next-auth';
import { getServerSession } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { authenticateStaff, findEnabledStaffIdByEmail, getStaff } from '@/lib/server/data/staff';
import { isRole, type Role } from '@/lib/shared/roles';

/**
 * Staff sign-in with next-auth: email + password (scrypt) and, when OIDC_* is set, one OIDC provider whose
 * users must already exist as staff (matched by email). Sessions are JWTs; the role is re-read from the database
 * on every request so a role change or a disabled account takes effect at once.
 */

const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const failures = new Map<string, { count: number; first: number }>();

/** Sign-in rate limiting: 5 failed attempts per email (and per address) in 15 minutes. */
export function signInBlocked(keys: string[]): boolean {
  const now = Date.now();
  return keys.some((k) => {
    const f = failures.get(k);
    if (!f) return false;
    if (now - f.first > WINDOW_MS) {
      failures.delete(k);
      return false;
    }
    return f.count >= MAX_FAILURES;
  });
}

function recordFailure(keys: string[]): void {
  const now = Date.now();
  for (const k of keys) {
    const f = failures.get(k);
    if (!f || now - f.first > WINDOW_MS) failures.set(k, { count: 1, first: now });
    else f.count++;
  }
}

export class SignInRateLimited extends Error {
  constructor() {
    super('Too many failed sign-in attempts. Try again in 15 minutes.');
  }
}

/** The single sign-on provider's display name when OIDC is configured (the login page offers it), else null. */
export function ssoProviderName(): string | null {
  return oidcProvider().length > 0 ? 'single sign-on' : null;
}

function oidcProvider(): NextAuthOptions['providers'] {
  const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET } = process.env;
  if (!OIDC_ISSUER || !OIDC_CLIENT_ID || !OIDC_CLIENT_SECRET) return [];
  return [
    {
      id: 'oidc',
      name: 'Single sign-on',
      type: 'oauth',
      wellKnown: `${OIDC_ISSUER.replace(/\/$/, '')}/.well-known/openid-configuration`,
      clientId: OIDC_CLIENT_ID,
      clientSecret: OIDC_CLIENT_SECRET,
      authorization: { params: { scope: 'openid email profile' } },
      idToken: true,
      checks: ['pkce', 'state'],
      profile: (profile: { sub: string; email?: string; name?: string }) => ({
        id: profile.sub,
        email: profile.email,
        name: profile.name,
      }),
    },
  ];
}

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  // Errors (a refused single sign-on) come back to the login page as ?error=…, not to next-auth's bare page.
  pages: { signIn: '/login', error: '/login' },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? '').toLowerCase();
        const password = String(credentials?.password ?? '');
        const forwarded = req?.headers?.['x-forwarded-for'];
        const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? 'local';
        const keys = [`email:${email}`, `ip:${ip}`];
        if (signInBlocked(keys)) throw new SignInRateLimited();
        const staff = email && password ? await authenticateStaff(email, password) : null;
        if (!staff) {
          recordFailure(keys);
          return null;
        }
        return { id: staff.id, email: staff.email, name: staff.name ?? staff.email };
      },
    }),
    ...oidcProvider(),
  ],
  callbacks: {
    async signIn({ user, account }) {
      if (account?.provider !== 'oidc') return true;
      if (!user.email) return false;
      const staffId = await findEnabledStaffIdByEmail(user.email);
      if (!staffId) return false;
      user.id = staffId;
      return true;
    },
    async jwt({ token, user }) {
      if (user) token.staffId = user.id;
      return token;
    },
    async session({ session, token }) {
      const staff = typeof token.staffId === 'string' ? await getStaff(token.staffId) : null;
      return {
        ...session,
        staff:
          staff && !staff.disabled ? { id: staff.id, email: staff.email, role: staff.role, name: staff.name } : null,
      };
    },
  },
};

export interface StaffSession {
  id: string;
  email: string;
  role: Role;
  name: string | null;
}

/** The signed-in staff member, checked against the database (role, disabled), or null. */
export async function getStaffSession(): Promise<StaffSession | null> {
  const session = (await getServerSession(authOptions)) as { staff?: StaffSession | null } | null;
  const staff = session?.staff;
  if (!staff || !isRole(staff.role)) return null;
  return staff;
}


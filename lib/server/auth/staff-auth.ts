import type { NextAuthOptions } from 'next-auth';
import { getServerSession } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { authenticateStaff, findEnabledStaffIdByEmail, getStaff } from '@/lib/server/data/staff';
import { forwardedClientAddress } from '@/lib/server/ingest/session-rules';
import { isRole, type Role } from '@/lib/shared/roles';

/**
 * Staff sign-in with next-auth: email + password (scrypt) and, when OIDC_* is set, one OIDC provider whose
 * users must already exist as staff (matched by email). Sessions are JWTs; the role is re-read from the database
 * on every request so a role change or a disabled account takes effect at once.
 */

/**
 * Sign-in rate limiting (docs/security.md, "Sign-in limiter"). Failures count per (email, address) pair: from the
 * fifth within 15 minutes the pair waits 1, 2, 4, 8 and then 15 minutes after each further failure, and a success
 * clears it, so whoever locks an account from one address does not lock its owner out at another. An address also
 * counts its failures across accounts (password spraying): from the twentieth it waits the same way, except for
 * accounts that signed in from it in the last 30 days (their pair limit still applies). The address is the one
 * server.ts resolved into X-Forwarded-For (CALLSCOPE_TRUST_PROXY). In memory, per process.
 */
const WINDOW_MS = 15 * 60_000;
const PAIR_FREE_FAILURES = 5;
const ADDRESS_FREE_FAILURES = 20;
const FIRST_DELAY_MS = 60_000;
const MAX_DELAY_MS = 15 * 60_000;
const TRUSTED_FOR_MS = 30 * 24 * 60 * 60_000;
const MAX_ENTRIES = 20_000;

interface FailureRecord {
  count: number;
  last: number;
  lockedUntil: number;
}

const pairFailures = new Map<string, FailureRecord>();
const addressFailures = new Map<string, FailureRecord>();
/** (email, address) pairs that signed in successfully, with when. */
const recentSuccesses = new Map<string, number>();

/** Forgotten once 15 minutes pass without a failure and no wait is in force. */
function liveRecord(map: Map<string, FailureRecord>, key: string, now: number): FailureRecord | undefined {
  const record = map.get(key);
  if (record && now - record.last > WINDOW_MS && now >= record.lockedUntil) {
    map.delete(key);
    return undefined;
  }
  return record;
}

/** Bounded memory: past MAX_ENTRIES the oldest entries go (Map order is insertion order; updates re-insert). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}

function countFailure(map: Map<string, FailureRecord>, key: string, freeFailures: number, now: number): void {
  const record = liveRecord(map, key, now) ?? { count: 0, last: now, lockedUntil: 0 };
  record.count++;
  record.last = now;
  if (record.count >= freeFailures) {
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (record.count - freeFailures));
    record.lockedUntil = now + delay;
  }
  remember(map, key, record);
}

function pairKey(email: string, address: string): string {
  return `${email}\n${address}`;
}

function recentlySucceeded(key: string, now: number): boolean {
  const at = recentSuccesses.get(key);
  if (at === undefined) return false;
  if (now - at > TRUSTED_FOR_MS) {
    recentSuccesses.delete(key);
    return false;
  }
  return true;
}

/** When this (email, address) may try again (epoch ms), or null if it may now. */
export function signInBlockedUntil(email: string, address: string, now = Date.now()): number | null {
  const key = pairKey(email, address);
  const until = [liveRecord(pairFailures, key, now)?.lockedUntil ?? 0];
  if (!recentlySucceeded(key, now)) until.push(liveRecord(addressFailures, address, now)?.lockedUntil ?? 0);
  const latest = Math.max(...until);
  return latest > now ? latest : null;
}

export function recordSignInFailure(email: string, address: string, now = Date.now()): void {
  countFailure(pairFailures, pairKey(email, address), PAIR_FREE_FAILURES, now);
  countFailure(addressFailures, address, ADDRESS_FREE_FAILURES, now);
}

/** A success clears its pair (not the address: one good account must not reset a spraying address). */
export function recordSignInSuccess(email: string, address: string, now = Date.now()): void {
  const key = pairKey(email, address);
  pairFailures.delete(key);
  remember(recentSuccesses, key, now);
}

/** Tests only: forget every failure and success. */
export function resetSignInLimiter(): void {
  pairFailures.clear();
  addressFailures.clear();
  recentSuccesses.clear();
}

export class SignInRateLimited extends Error {
  constructor(until: number) {
    const minutes = Math.max(1, Math.ceil((until - Date.now()) / 60_000));
    super(`Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
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
        // The one address server.ts resolved (socket, or the trusted proxy's entry).
        const address = forwardedClientAddress(req?.headers?.['x-forwarded-for']) ?? 'local';
        const blockedUntil = signInBlockedUntil(email, address);
        if (blockedUntil !== null) throw new SignInRateLimited(blockedUntil);
        const staff = email && password ? await authenticateStaff(email, password) : null;
        if (!staff) {
          recordSignInFailure(email, address);
          return null;
        }
        recordSignInSuccess(email, address);
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

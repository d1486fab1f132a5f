import NextAuth from 'next-auth';
import { authOptions } from '@/lib/server/auth/staff-auth';

export const runtime = 'nodejs';

// GET/POST /api/auth/*: next-auth sign-in, sign-out, session.
const handler = NextAuth(authOptions);
export { handler as GET, handler as POST };

import Link from 'next/link';
import { countStaff } from '@/lib/server/data/staff';
import { SetupForm } from './setup-form';

export const dynamic = 'force-dynamic';

// One-time: creates the first administrator, and only while no staff account exists.
export default async function SetupPage() {
  if ((await countStaff()) > 0) {
    return (
      <>
        <h1>Setup is complete</h1>
        <p className="muted" data-testid="setup-done">
          Staff accounts already exist. Ask an administrator for an account.
        </p>
        <Link className="btn btn-primary" href="/login">
          Go to sign in
        </Link>
      </>
    );
  }
  return <SetupForm />;
}

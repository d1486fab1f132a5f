import { UserPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// One end user: sessions over time with their quality, and the issues that keep coming back.
export default async function UserPage({ params }: { params: Promise<{ user: string }> }) {
  const { user } = await params;
  return <UserPageClient user={decodeURIComponent(user)} />;
}

import { Suspense } from 'react';
import { SessionPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// One session: client, peer connections, ICE, event log, per-track charts, issues, raw dump.
export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense>
      <SessionPageClient id={decodeURIComponent(id)} />
    </Suspense>
  );
}

import { Suspense } from 'react';
import { ConferencePageClient } from './page-client';

export const dynamic = 'force-dynamic';

// A conference: every participant side by side on one synchronized time axis, with sender→receiver pairs.
export default async function ConferencePage({ params }: { params: Promise<{ conference: string }> }) {
  const { conference } = await params;
  return (
    <Suspense>
      <ConferencePageClient name={decodeURIComponent(conference)} />
    </Suspense>
  );
}

import { Suspense } from 'react';
import { OverviewPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Overview: a time range's sessions, calls, quality, issues and breakdowns; every bar and row opens the search.
export default function OverviewPage() {
  return (
    <Suspense>
      <OverviewPageClient />
    </Suspense>
  );
}

import { Suspense } from 'react';
import { SearchPageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Home: search sessions by user, conference or session id. The query lives in the URL (deep links).
export default function SearchPage() {
  return (
    <Suspense>
      <SearchPageClient />
    </Suspense>
  );
}

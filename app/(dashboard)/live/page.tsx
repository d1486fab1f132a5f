import { LivePageClient } from './page-client';

export const dynamic = 'force-dynamic';

// Calls in progress, refreshed every 2 seconds.
export default function LivePage() {
  return <LivePageClient />;
}

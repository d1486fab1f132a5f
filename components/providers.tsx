'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ApiClientError } from '@/lib/client/api-client';
import type { DisplayZone } from '@/lib/shared/display-zone';
import { DisplayZoneProvider } from './display-zone-provider';

/** Client-side providers for the dashboard: one QueryClient per browser tab, the zone times are shown in. */
export function Providers({ displayZone, children }: { displayZone: DisplayZone | null; children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            refetchOnWindowFocus: false,
            staleTime: 30_000,
            // 4xx answers will not change on retry; transient 5xx/network errors get one more try.
            retry: (count, error) => !(error instanceof ApiClientError && error.status < 500) && count < 1,
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={client}>
      <DisplayZoneProvider initial={displayZone}>{children}</DisplayZoneProvider>
    </QueryClientProvider>
  );
}

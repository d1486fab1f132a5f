'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';

export interface SelectedTrack {
  /** The selected track's id (`TrackDto.id`) from the URL's `track`, or null. */
  id: string | null;
  /** Selects a track, or none when it is already the selected one (a toggle). */
  toggle: (trackId: string) => void;
}

/**
 * The conference and session pages' selected track, kept in the URL as `track` beside the zoom's `from` / `to`
 * (use-zoom-range.ts), so a copied link opens on the same track and range. Replaced, not pushed, like the zoom.
 */
export function useSelectedTrack(): SelectedTrack {
  const router = useRouter();
  const pathname = usePathname() ?? '';
  const params = useSearchParams();
  const id = params.get('track') || null;
  const toggle = useCallback(
    (trackId: string) => {
      const query = new URLSearchParams(params.toString());
      if (query.get('track') === trackId) query.delete('track');
      else query.set('track', trackId);
      const qs = query.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  return { id, toggle };
}

'use client';

import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { formatDateTime, formatTime } from '@/lib/client/format';
import {
  DISPLAY_ZONE_COOKIE,
  type DisplayZone,
  FALLBACK_ZONE,
  sameZone,
  serializeDisplayZone,
} from '@/lib/shared/display-zone';

const DisplayZoneContext = createContext<DisplayZone>(FALLBACK_ZONE);

/** The browser's own zone and locale (what Intl uses when given none). */
function browserZone(): DisplayZone {
  const { locale, timeZone } = new Intl.DateTimeFormat().resolvedOptions();
  return { locale, timeZone };
}

/** Remembers the browser's zone for the server's next render (a year; not secret, not HttpOnly). */
function rememberBrowserZone(): DisplayZone {
  const zone = browserZone();
  const secure = window.location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: one plain cookie, set where the Cookie Store API is not available everywhere yet
  document.cookie = `${DISPLAY_ZONE_COOKIE}=${serializeDisplayZone(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  return zone;
}

/**
 * Times on every dashboard page are shown in `initial`: the zone the server rendered with (the cookie's, or
 * FALLBACK_ZONE without one), so hydration matches. Right after, the browser's real zone replaces it if it differs
 * (first visit, or the laptop travelled); RememberDisplayZone (root layout) keeps the cookie for the next request.
 */
export function DisplayZoneProvider({ initial, children }: { initial: DisplayZone | null; children: ReactNode }) {
  const [zone, setZone] = useState<DisplayZone>(initial ?? FALLBACK_ZONE);
  useEffect(() => {
    const actual = browserZone();
    setZone((current) => (sameZone(current, actual) ? current : actual));
  }, []);
  return <DisplayZoneContext.Provider value={zone}>{children}</DisplayZoneContext.Provider>;
}

/** Keeps the zone cookie current on every page, sign-in included, so the first dashboard page renders right. */
export function RememberDisplayZone() {
  useEffect(() => {
    rememberBrowserZone();
  }, []);
  return null;
}

/** Time formatters bound to the display zone: `formatTime(ms)` → "14:03:07", `formatDateTime(ms)` → "Nov 22, 2026, 14:03". */
export function useTimeFormat() {
  const zone = useContext(DisplayZoneContext);
  return useMemo(
    () => ({
      zone,
      formatTime: (ms: number | null | undefined) => formatTime(ms, zone),
      formatDateTime: (ms: number | null | undefined) => formatDateTime(ms, zone),
    }),
    [zone],
  );
}

/**
 * The time zone and locale times are shown in. The browser knows them; the server must render the same text, or a
 * page drawn on the server (the conference page) would not hydrate. So the browser keeps them in a cookie that
 * every request carries, and the server renders with it (pure; used on both sides).
 */

export const DISPLAY_ZONE_COOKIE = 'callscope-display';

export interface DisplayZone {
  locale: string;
  timeZone: string;
}

/** What the server renders with before the browser has said (no cookie yet): corrected right after hydration. */
export const FALLBACK_ZONE: DisplayZone = { locale: 'en-US', timeZone: 'UTC' };

const TOKEN = /^[A-Za-z0-9_+\-/]{1,64}$/;

/** True when Intl accepts the pair (an unknown zone or a malformed locale throws). */
function usable(zone: DisplayZone): boolean {
  if (!TOKEN.test(zone.locale) || !TOKEN.test(zone.timeZone)) return false;
  try {
    new Intl.DateTimeFormat(zone.locale, { timeZone: zone.timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The cookie's value ("en-GB|Europe/Paris", URI-encoded) → a usable zone, or null. */
export function parseDisplayZone(value: string | undefined | null): DisplayZone | null {
  if (!value) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return null;
  }
  const [locale, timeZone, extra] = decoded.split('|');
  if (!locale || !timeZone || extra !== undefined) return null;
  const zone = { locale, timeZone };
  return usable(zone) ? zone : null;
}

export function serializeDisplayZone(zone: DisplayZone): string {
  return encodeURIComponent(`${zone.locale}|${zone.timeZone}`);
}

export function sameZone(a: DisplayZone, b: DisplayZone): boolean {
  return a.locale === b.locale && a.timeZone === b.timeZone;
}

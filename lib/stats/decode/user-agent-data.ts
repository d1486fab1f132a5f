import { isObject } from './values';

/**
 * Browser and OS from `navigator.userAgentData` (User-Agent Client Hints), which rtcstats-js puts in its client
 * `create` event: `{brands: [{brand, version}], mobile, platform}` (and `fullVersionList` / `platformVersion` when
 * the page asked for high-entropy values). Dumps from Chrome 144 on may carry no User-Agent at all, only this. Names
 * follow bowser's, which reads the User-Agent everywhere else, so a session is "Chrome" / "Windows" either way and
 * the browser and OS filters of search find both.
 */

export interface UserAgentDataClient {
  browser: { name: string; version: string | null } | null;
  os: { name: string; version: string | null } | null;
  mobile: boolean | null;
}

/** Brand → bowser's name. Chromium alone is what Chrome itself (and headless Chrome) reports once GREASE is gone. */
const BRAND_NAMES: Record<string, string> = {
  'Google Chrome': 'Chrome',
  'Microsoft Edge': 'Microsoft Edge',
  Opera: 'Opera',
  'Opera GX': 'Opera',
  Brave: 'Brave',
  Yandex: 'Yandex Browser',
  'Samsung Internet': 'Samsung Internet for Android',
  Vivaldi: 'Vivaldi',
  Chromium: 'Chrome',
};

/** Platform → bowser's OS name. */
const PLATFORM_NAMES: Record<string, string> = {
  Windows: 'Windows',
  macOS: 'macOS',
  Linux: 'Linux',
  Android: 'Android',
  'Chrome OS': 'Chrome OS',
  ChromeOS: 'Chrome OS',
  'Chromium OS': 'Chrome OS',
  iOS: 'iOS',
};

/** GREASE brands ("Not:A-Brand", "Not_A Brand", "Not)A;Brand"…) are there to be ignored. */
const GREASE = /not.?a.?brand/i;

function brandList(value: unknown): { brand: string; version: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((b) =>
    isObject(b) && typeof b.brand === 'string' && !GREASE.test(b.brand)
      ? [{ brand: b.brand, version: typeof b.version === 'string' ? b.version : '' }]
      : [],
  );
}

/** The most specific known brand wins (Edge and Opera list Chromium too); an unknown one beats plain Chromium. */
function pickBrand(brands: { brand: string; version: string }[]): { name: string; version: string | null } | null {
  const specific = brands.find((b) => b.brand !== 'Chromium' && BRAND_NAMES[b.brand]);
  const unknown = brands.find((b) => b.brand !== 'Chromium' && !BRAND_NAMES[b.brand]);
  const chosen = specific ?? unknown ?? brands.find((b) => b.brand === 'Chromium');
  if (!chosen) return null;
  return { name: BRAND_NAMES[chosen.brand] ?? chosen.brand, version: chosen.version || null };
}

/** What `userAgentData` says, or null when it is not one (absent, or no brand nor platform). */
export function clientFromUserAgentData(value: unknown): UserAgentDataClient | null {
  if (!isObject(value)) return null;
  const brand = pickBrand(brandList(value.brands));
  // High-entropy full versions, when present, are more precise than the major version in `brands`.
  const full = brand
    ? brandList(value.fullVersionList).find((b) => (BRAND_NAMES[b.brand] ?? b.brand) === brand.name)
    : undefined;
  const platform = typeof value.platform === 'string' && value.platform ? value.platform : null;
  const os = platform
    ? {
        name: PLATFORM_NAMES[platform] ?? platform,
        version: typeof value.platformVersion === 'string' && value.platformVersion ? value.platformVersion : null,
      }
    : null;
  if (!brand && !os) return null;
  return {
    browser: brand ? { name: brand.name, version: full?.version || brand.version } : null,
    os,
    mobile: typeof value.mobile === 'boolean' ? value.mobile : null,
  };
}

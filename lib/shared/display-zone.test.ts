import { describe, expect, it } from 'vitest';
import { parseDisplayZone, serializeDisplayZone } from './display-zone';

describe('display zone cookie', () => {
  it('round-trips a locale and an IANA zone', () => {
    const zone = { locale: 'en-GB', timeZone: 'Europe/Paris' };
    expect(parseDisplayZone(serializeDisplayZone(zone))).toEqual(zone);
    expect(parseDisplayZone(serializeDisplayZone({ locale: 'de-DE', timeZone: 'America/Argentina/Buenos_Aires' }))).toEqual({
      locale: 'de-DE',
      timeZone: 'America/Argentina/Buenos_Aires',
    });
  });

  it('refuses what Intl would not accept, and anything else odd', () => {
    for (const bad of [
      undefined,
      '',
      'en-GB',
      'en-GB|Mars/Olympus',
      'en-GB|Europe/Paris|x',
      encodeURIComponent('en GB|Europe/Paris'),
      encodeURIComponent('<script>|UTC'),
      '%E0%A4%A',
      `${'a'.repeat(70)}|UTC`,
    ]) {
      expect(parseDisplayZone(bad)).toBeNull();
    }
  });
});

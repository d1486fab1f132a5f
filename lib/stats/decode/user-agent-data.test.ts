import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { readDumpInfo } from './dump-info';
import { clientFromUserAgentData } from './user-agent-data';

/** Browser and OS from `navigator.userAgentData`, for dumps that carry no User-Agent (Chrome 144 on). */

/** A real rtcstats-js dump with the User-Agent taken out of its metadata line, as a Chrome 144+ dump comes. */
function withoutUserAgent(dump: string): string {
  const lines = dump.split('\n');
  const meta = JSON.parse(lines[1]);
  delete meta.userAgent;
  lines[1] = JSON.stringify(meta);
  return lines.join('\n');
}

describe.skipIf(!HAVE_FIXTURES)('on a real dump', () => {
  if (!HAVE_FIXTURES) console.warn(SKIP_FIXTURES_MESSAGE);
  test('the client create event’s userAgentData names the browser and OS', () => {
    const dump = withoutUserAgent(readFixture('rtcstats-js', 'standup-alice.rtcstats').toString('utf8'));
    const info = readDumpInfo([Buffer.from(dump)]);
    expect(info.metadata.userAgent).toBeUndefined();
    expect(info.client?.userAgent).toBeUndefined();
    // The fixture's hints: {brands: [Not:A-Brand 8, Chromium 156], mobile: false, platform: Linux}.
    expect(clientFromUserAgentData(info.client?.userAgentData)).toEqual({
      browser: { name: 'Chrome', version: '156' },
      os: { name: 'Linux', version: null },
      mobile: false,
    });
  });
});

describe('mapping to bowser’s names', () => {
  test('Google Chrome on Windows; GREASE brands are ignored whatever their order', () => {
    expect(
      clientFromUserAgentData({
        brands: [
          { brand: 'Google Chrome', version: '144' },
          { brand: 'Not(A:Brand', version: '24' },
          { brand: 'Chromium', version: '144' },
        ],
        mobile: false,
        platform: 'Windows',
      }),
    ).toEqual({ browser: { name: 'Chrome', version: '144' }, os: { name: 'Windows', version: null }, mobile: false });
  });

  test('Edge is Edge, not the Chromium it also lists; high-entropy versions win over the major', () => {
    expect(
      clientFromUserAgentData({
        brands: [
          { brand: 'Chromium', version: '144' },
          { brand: 'Microsoft Edge', version: '144' },
          { brand: 'Not_A Brand', version: '99' },
        ],
        fullVersionList: [
          { brand: 'Chromium', version: '144.0.7559.60' },
          { brand: 'Microsoft Edge', version: '144.0.3719.82' },
        ],
        mobile: false,
        platform: 'macOS',
        platformVersion: '15.2.0',
      }),
    ).toEqual({
      browser: { name: 'Microsoft Edge', version: '144.0.3719.82' },
      os: { name: 'macOS', version: '15.2.0' },
      mobile: false,
    });
  });

  test('an unknown Chromium-based brand keeps its own name; Chrome OS has bowser’s spelling', () => {
    expect(
      clientFromUserAgentData({
        brands: [
          { brand: 'Chromium', version: '143' },
          { brand: 'Acme Browser', version: '7' },
        ],
        platform: 'ChromeOS',
      }),
    ).toEqual({
      browser: { name: 'Acme Browser', version: '7' },
      os: { name: 'Chrome OS', version: null },
      mobile: null,
    });
  });

  test('nothing usable is null, not an empty client', () => {
    expect(clientFromUserAgentData(undefined)).toBeNull();
    expect(clientFromUserAgentData('Chrome')).toBeNull();
    expect(clientFromUserAgentData({ brands: [{ brand: 'Not:A-Brand', version: '8' }], platform: '' })).toBeNull();
  });
});

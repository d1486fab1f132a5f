/**
 * Every Jitsi fixture (Chrome 99/117, Firefox 118, Safari 17; P2P, SFU, relay, failed and reconnecting
 * connections) goes through decoder and analyser without exceptions and yields tracks with real series.
 * Polling is every 10 s in these dumps, which the gap rule must not mistake for gaps.
 */

import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, SKIP_FIXTURES_MESSAGE, fixturePath, readFixture } from '../../../test/helpers/fixtures';
import { analyzeBuffer } from './analyze';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`golden-jitsi: ${SKIP_FIXTURES_MESSAGE}`);

const files = skip ? [] : fs.readdirSync(fixturePath('jitsi')).filter((f) => f.endsWith('.txt')).sort();

const BROWSER: Record<string, string> = { chrome: 'Chrome', google: 'Chrome', firefox: 'Firefox', safari: 'Safari' };

describe.skipIf(skip)('Jitsi fixtures', () => {
  test('all nine are there', () => {
    expect(files).toHaveLength(9);
  });

  for (const file of files) {
    test(file, () => {
      const a = analyzeBuffer(readFixture('jitsi', file));
      expect(a.source.format).toBe('jitsi');
      expect(a.client.browser.name).toBe(BROWSER[file.split('-')[0]]);
      expect(a.tracks.length).toBeGreaterThan(0);
      for (const t of a.tracks) {
        expect(t.series.t.length, t.trackId).toBeGreaterThan(0);
        const values = Object.values(t.series.values).flatMap((col) => col ?? []);
        expect(values.some((v) => v !== null), `${t.trackId} has values`).toBe(true);
        for (const col of Object.values(t.series.values)) expect(col?.length).toBe(t.series.t.length);
        for (const v of t.series.values.bitrate ?? []) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
      }
      // Real media was measured: some stream has a positive bitrate for most of its samples.
      const carrying = a.tracks.filter((t) => (t.summary.metrics.bitrate?.avg ?? 0) > 10_000);
      expect(carrying.length, 'tracks carrying media').toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    });
  }

  test('relay dumps: TURN over TLS is found (Chrome, Firefox), TURN relay on Safari', () => {
    for (const file of ['chrome-relay.txt', 'firefox-relay.txt']) {
      const pc = analyzeBuffer(readFixture('jitsi', file)).peerConnections[0];
      expect(pc.usesRelay, file).toBe(true);
      expect(pc.relayProtocol, file).toBe('tls');
      expect(pc.usesTcp, file).toBe(true);
      expect(pc.selectedPair?.local?.candidateType).toBe('relay');
    }
    const safari = analyzeBuffer(readFixture('jitsi', 'safari-relay.txt'));
    expect(safari.peerConnections[0].usesRelay).toBe(true);
    expect(safari.issues.some((i) => i.type === 'relay' && i.severity === 'info')).toBe(true);
  });

  test('failed connection: ICE failure and the getUserMedia error are issues', () => {
    const a = analyzeBuffer(readFixture('jitsi', 'chrome-standard-pc-failed.txt'));
    const pc0 = a.peerConnections.find((pc) => pc.pc === 'PC_0');
    expect(pc0?.iceFailed).toBe(true);
    expect(pc0?.states.connection.map((s) => s.state)).toEqual(['connecting', 'connected', 'failed']);
    expect(a.issues.some((i) => i.type === 'ice-failure' && i.pc === 'PC_0' && i.severity === 'critical')).toBe(true);
    const failed = a.client.mediaRequests.filter((r) => r.result === 'failure');
    expect(failed.map((r) => r.error)).toEqual(['NotReadableError']);
    expect(a.summary.verdict).toBe('poor');
  });

  test('reconnecting connection: two recovered disconnections before the final failure', () => {
    const a = analyzeBuffer(readFixture('jitsi', 'chrome-standard-pc-reconnect.txt'));
    const pc0 = a.peerConnections.find((pc) => pc.pc === 'PC_0');
    expect(pc0?.disconnections.filter((d) => d.end !== null)).toHaveLength(2);
    expect(pc0?.iceFailed).toBe(true);
  });

  test('chrome-relay: the received video froze, with the counts from the dump', () => {
    const a = analyzeBuffer(readFixture('jitsi', 'chrome-relay.txt'));
    const frozen = a.tracks.filter((t) => t.direction === 'inbound' && t.summary.freezeCount > 0);
    // Both received camera streams end the dump with freezeCount 24 and 22.
    expect(frozen.map((t) => t.summary.freezeCount).sort()).toEqual([22, 24]);
    expect(a.issues.filter((i) => i.type === 'freeze').length).toBeGreaterThan(0);
  });
});

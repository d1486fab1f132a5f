import { describe, expect, test } from 'vitest';
import { estimateMos, mosFromR, rFactor } from './mos';

// Expected values worked out by hand from stats-and-dumps.md §4 (Twilio variant A):
// effLat = rtt + 2·jitter + 10; R = 94.768 − effLat/40 (effLat < 160) or 94.768 − (effLat − 120)/10;
// R −= 2.5·loss%; MOS = 1 + 0.035R + 7e-6·R(R−60)(100−R).
describe('MOS estimate', () => {
  test('no impairment: R 94.518, MOS 4.4333', () => {
    expect(rFactor(0, 0, 0)).toBeCloseTo(94.518, 6);
    expect(estimateMos(0, 0, 0)).toBeCloseTo(4.433328, 5);
  });

  test('100 ms RTT, 20 ms jitter, 1 % loss: effLat 150 → R 88.518, MOS 4.3010', () => {
    expect(rFactor(100, 20, 1)).toBeCloseTo(88.518, 6);
    expect(estimateMos(100, 20, 1)).toBeCloseTo(4.301023, 5);
  });

  test('long delay uses the steeper branch: 300 ms RTT, 50 ms jitter → effLat 410, R 65.768, MOS 3.3928', () => {
    expect(rFactor(300, 50, 0)).toBeCloseTo(65.768, 6);
    expect(estimateMos(300, 50, 0)).toBeCloseTo(3.392781, 5);
  });

  test('loss beyond R/2.5 % drops R to 0 (MOS 1); heavy but not total loss floors R at 6.52', () => {
    expect(rFactor(0, 0, 50)).toBe(0);
    expect(estimateMos(0, 0, 50)).toBe(1);
    // 37 % of loss: 94.518 − 92.5 = 2.018 → floored at 6.52.
    expect(rFactor(0, 0, 37)).toBe(6.52);
    // effLat ≥ 1000 ms sets R to 0 before the loss step, which then floors it too (0 loss ≤ 0/2.5).
    expect(rFactor(2000, 0, 0)).toBe(6.52);
  });

  test('G.107 mapping clamps outside 0..100', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
  });

  test('null unless all inputs are non-negative finite numbers', () => {
    expect(estimateMos(null, 0, 0)).toBeNull();
    expect(estimateMos(10, null, 0)).toBeNull();
    expect(estimateMos(10, 0, null)).toBeNull();
    expect(estimateMos(-1, 0, 0)).toBeNull();
    expect(estimateMos(Number.NaN, 0, 0)).toBeNull();
  });
});

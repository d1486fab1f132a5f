import { describe, expect, it } from 'vitest';
import { roundNumber, roundNumbers } from './round-numbers';

describe('roundNumbers', () => {
  it('rounds every float in plain data to the given places and keeps the rest', () => {
    const when = new Date(0);
    const input = { a: 19119.40848813949, b: [0.45799999999999996, null, 7, 'x'], c: { d: 1795322330609.77, e: true }, when };
    expect(roundNumbers(input)).toEqual({ a: 19119.408, b: [0.458, null, 7, 'x'], c: { d: 1795322330609.77, e: true }, when });
    expect(roundNumbers(input).when).toBe(when);
    expect(input.a).toBe(19119.40848813949); // a copy: the input is untouched
  });

  it('leaves integers and non-finite numbers alone, rounds to whole units with 0 places', () => {
    expect(roundNumber(1795322330609.77, 0)).toBe(1795322330610);
    expect(roundNumber(12, 3)).toBe(12);
    expect(roundNumber(Number.NaN, 3)).toBeNaN();
    expect(roundNumber(-0.0004, 3)).toBe(-0);
  });
});

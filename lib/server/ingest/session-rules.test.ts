import { describe, expect, it } from 'vitest';
import { clientAddress, forwardedForHeader, trailingNumber } from './session-rules';

describe('client address behind or without a proxy', () => {
  const forged = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' };

  it('ignores a client-sent X-Forwarded-For unless the proxy is trusted', () => {
    expect(forwardedForHeader(forged, '192.0.2.10', false)).toBe('192.0.2.10');
    expect(clientAddress(forged, '192.0.2.10', false)).toBe('192.0.2.10');
  });

  it('keeps what a trusted proxy sent, and falls back to the socket when it sent nothing', () => {
    expect(forwardedForHeader(forged, '192.0.2.10', true)).toBe('203.0.113.7, 10.0.0.1');
    expect(clientAddress(forged, '192.0.2.10', true)).toBe('203.0.113.7');
    expect(forwardedForHeader({}, '192.0.2.10', true)).toBe('192.0.2.10');
    expect(forwardedForHeader({ 'x-forwarded-for': ['203.0.113.7', '10.0.0.1'] }, undefined, true)).toBe('203.0.113.7, 10.0.0.1');
  });

  it('drops the header when there is no address at all', () => {
    expect(forwardedForHeader(forged, undefined, false)).toBeUndefined();
  });
});

describe('trailingNumber', () => {
  it('reads the same timestamp from a frame as text and as the bytes received', () => {
    const frames = ['["getstats","PC_0",{"a":1},1700000000123]', '["ontrack","PC_0","ünïcode ✓",-5]', '[1,"PC_0",{},12.5]'];
    const expected = [1700000000123, -5, 12.5];
    frames.forEach((f, i) => {
      expect(trailingNumber(f)).toBe(expected[i]);
      expect(trailingNumber(Buffer.from(f))).toBe(expected[i]);
    });
  });

  it('is undefined without a trailing number', () => {
    for (const f of ['["a"]', '[]', '["a","b"]', 'not json']) {
      expect(trailingNumber(f)).toBeUndefined();
      expect(trailingNumber(Buffer.from(f))).toBeUndefined();
    }
  });
});

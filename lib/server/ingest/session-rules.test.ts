import { describe, expect, it } from 'vitest';
import { clientAddress, trailingNumber } from './session-rules';

describe('client address behind or without a proxy', () => {
  // The client sent "203.0.113.7"; the one proxy in front appended the address it saw, 198.51.100.4.
  const viaOneProxy = { 'x-forwarded-for': '203.0.113.7, 198.51.100.4' };

  it('ignores a client-sent X-Forwarded-For unless a proxy is trusted', () => {
    expect(clientAddress(viaOneProxy, '192.0.2.10', 0)).toBe('192.0.2.10');
    expect(clientAddress(viaOneProxy, '192.0.2.10', 0)).toBe('192.0.2.10');
  });

  it('takes the entry the nearest trusted proxy appended, not what the client put before it', () => {
    expect(clientAddress(viaOneProxy, '192.0.2.10', 1)).toBe('198.51.100.4');
    expect(clientAddress(viaOneProxy, '192.0.2.10', 1)).toBe('198.51.100.4');
    // Whatever the client prepends, the address stays the same (no fresh rate-limit key, no forged audit address).
    for (const forged of ['1.1.1.1', '1.1.1.1, 2.2.2.2', 'junk, , 3.3.3.3']) {
      expect(clientAddress({ 'x-forwarded-for': `${forged}, 198.51.100.4` }, '192.0.2.10', 1)).toBe('198.51.100.4');
    }
    // Two proxies: the outer one appended the client, the inner one the outer one.
    expect(clientAddress({ 'x-forwarded-for': '1.1.1.1, 198.51.100.4, 10.0.0.2' }, '10.0.0.3', 2)).toBe('198.51.100.4');
    // Headers split over several lines count as one list.
    expect(clientAddress({ 'x-forwarded-for': ['203.0.113.7', '198.51.100.4'] }, undefined, 1)).toBe('198.51.100.4');
  });

  it('falls back to the socket, or the outermost entry, when the proxy sent less than expected', () => {
    expect(clientAddress({}, '192.0.2.10', 1)).toBe('192.0.2.10');
    expect(clientAddress({ 'x-forwarded-for': ' , ' }, '192.0.2.10', 1)).toBe('192.0.2.10');
    expect(clientAddress({ 'x-forwarded-for': '198.51.100.4' }, '10.0.0.3', 3)).toBe('198.51.100.4');
  });

  it('drops the header when there is no address at all', () => {
    expect(clientAddress(viaOneProxy, undefined, 0)).toBeUndefined();
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

import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './safe-path';

describe('safeReturnPath', () => {
  it('keeps same-site paths with their query', () => {
    expect(safeReturnPath('/conferences/retro?from=1&to=2')).toBe('/conferences/retro?from=1&to=2');
    expect(safeReturnPath('/')).toBe('/');
    expect(safeReturnPath('/users/a%2Fb')).toBe('/users/a%2Fb');
  });

  it('refuses anything a browser would send to another origin', () => {
    for (const raw of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', '', null, undefined]) {
      expect(safeReturnPath(raw)).toBeNull();
    }
  });
});

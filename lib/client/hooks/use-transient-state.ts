'use client';

import { useEffect, useState } from 'react';

/**
 * State that falls back to `rest` `ms` after it was set to anything else: the "Saved." and "Copied" notes, which
 * should say so for a moment and then get out of the way.
 */
export function useTransientState<T>(rest: T, ms: number): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(rest);
  useEffect(() => {
    if (Object.is(value, rest)) return;
    const t = setTimeout(() => setValue(rest), ms);
    return () => clearTimeout(t);
  }, [value, rest, ms]);
  return [value, setValue];
}

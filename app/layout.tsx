import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { RememberDisplayZone } from '@/components/display-zone-provider';
import './globals.css';

export const metadata: Metadata = {
  title: 'Callscope',
  description: 'Troubleshoot WebRTC calls: sessions, conferences side by side, per-track stats.',
};

// Every page renders per request: its scripts carry the nonce of that response's Content-Security-Policy (proxy.ts).
// A page prerendered at build time (the 404 page, say) would have scripts without one, and the browser would block them.
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>
        <RememberDisplayZone />
        {children}
      </body>
    </html>
  );
}

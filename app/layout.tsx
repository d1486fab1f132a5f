import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { RememberDisplayZone } from '@/components/display-zone-provider';
import './globals.css';

export const metadata: Metadata = {
  title: 'Callscope',
  description: 'Troubleshoot WebRTC calls: sessions, conferences side by side, per-track stats.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <RememberDisplayZone />
        {children}
      </body>
    </html>
  );
}

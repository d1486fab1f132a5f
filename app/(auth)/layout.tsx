import type { ReactNode } from 'react';
import '@/components/app.css';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand auth-brand">
          <span className="brand-mark" aria-hidden="true">
            ◉
          </span>
          Callscope
        </div>
        {children}
      </div>
    </main>
  );
}

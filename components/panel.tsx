import type { ReactNode } from 'react';

/** A titled panel of a detail page; with `titleId` its heading names it for screen readers (a region). */
export function Panel({
  title,
  titleId,
  testId,
  children,
}: {
  title: ReactNode;
  titleId?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={titleId} data-testid={testId}>
      <h2 id={titleId} className="panel-title">
        {title}
      </h2>
      {children}
    </section>
  );
}

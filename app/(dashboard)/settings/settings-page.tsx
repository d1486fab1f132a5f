'use client';

import type { FormEvent, ReactNode } from 'react';

/**
 * The frame every settings screen shares: a titled page with its explanation, and the panel forms on it. With
 * `actions` (a button, a filter) the head becomes a row with them on the right.
 */
export function SettingsPage({
  titleId,
  title,
  intro,
  actions,
  children,
}: {
  titleId: string;
  title: string;
  intro: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const head = (
    <>
      <h1 id={titleId}>{title}</h1>
      <p className="muted">{intro}</p>
    </>
  );
  return (
    <section className="page" aria-labelledby={titleId}>
      {actions ? (
        <div className="page-head page-head-row">
          <div>{head}</div>
          {actions}
        </div>
      ) : (
        <div className="page-head">{head}</div>
      )}
      {children}
    </section>
  );
}

/** A form in a panel, named by its heading; `intro` goes under the heading. Submitting never reloads the page. */
export function PanelForm({
  titleId,
  title,
  intro,
  testId,
  noValidate,
  onSubmit,
  children,
}: {
  titleId?: string;
  title?: string;
  intro?: ReactNode;
  testId: string;
  noValidate?: boolean;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const heading = title ? (
    <h2 id={titleId} className="panel-title">
      {title}
    </h2>
  ) : null;
  return (
    <form
      className="panel form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
      aria-labelledby={title ? titleId : undefined}
      data-testid={testId}
      noValidate={noValidate}
    >
      {intro ? (
        <div>
          {heading}
          {intro}
        </div>
      ) : (
        heading
      )}
      {children}
    </form>
  );
}

import Link from 'next/link';

/** The 403 page: signed in, but the role does not allow this page. */
export function Forbidden({ required }: { required?: string }) {
  return (
    <section className="forbidden" data-testid="forbidden" aria-labelledby="forbidden-title">
      <p className="forbidden-code">403</p>
      <h1 id="forbidden-title">You don&apos;t have access to this page</h1>
      <p className="muted">
        {required ? `It needs the ${required} role. ` : ''}Ask an administrator if you need it.
      </p>
      <Link className="btn" href="/">
        Back to search
      </Link>
    </section>
  );
}

/**
 * `npm run db:deploy`: applies prisma/migrations to DATABASE_URL, as the server does at start (and as
 * `prisma migrate deploy` would). For operators who migrate before rolling out new nodes.
 */
import { migrate } from '@/lib/server/db/migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set: nothing to migrate (the embedded database is migrated by `npm start`).');
  process.exit(1);
}
migrate(url)
  .then(({ applied }) => {
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });

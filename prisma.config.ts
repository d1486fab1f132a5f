import { defineConfig } from 'prisma/config';

// The CLI reads this; the app itself connects through lib/server/db (adapter-pg) and migrates with
// lib/server/db/migrate.ts, so an operator with the full Prisma CLI can use `prisma migrate deploy` too.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/callscope' },
});

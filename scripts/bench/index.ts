import { spawnSync } from 'node:child_process';

/** `npm run bench`: every benchmark in turn (each prints its own ratios against its in-run baseline). */
const benches = [
  'scripts/bench/process.ts',
  'scripts/bench/ingest.ts',
  'scripts/bench/pages.ts',
  'scripts/bench/abuse.ts',
  'scripts/bench/scale.ts',
  'scripts/bench/overview.ts',
];
let failed = false;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const r = spawnSync('npx', ['tsx', file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

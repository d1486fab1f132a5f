// `npm test`: the whole suite on a fresh machine. Installs Debian's Chromium when missing (root only), generates
// the Prisma client, typechecks, lints (biome, knip), builds Next (the HTTP and e2e tests run the real production server), then runs
// Vitest (unit + integration against real PostgreSQL) and Playwright (Chromium). Fails when any step fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reports = path.join(root, 'test-results');
const run = (cmd, args, opts = {}) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...opts.env } });
  return r.status ?? 1;
};
const must = (cmd, args, opts) => {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${code})`);
    process.exit(code);
  }
};

if (!existsSync(path.join(root, 'node_modules'))) must('npm', ['install', '--no-audit', '--no-fund']);
if (!existsSync('/usr/bin/chromium')) {
  if (process.getuid?.() !== 0) {
    console.error('Chromium is missing: run `sudo apt-get install -y chromium` (Debian) and try again.');
    process.exit(1);
  }
  must('apt-get', ['update', '-qq']);
  must('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}
must('node', ['scripts/prisma-generate.mjs']);
must('npx', ['tsc', '--noEmit']);
must('npx', ['biome', 'lint', '.']);
// Unused files, exports and dependencies (knip.json): dead code fails the suite like a lint error.
must('npx', ['knip', '--no-progress']);
must('npx', ['next', 'build']);
must('npm', ['run', 'build:server']);

rmSync(reports, { recursive: true, force: true });
const unit = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(reports, 'vitest.json')}`]);
const e2e = run('npx', ['playwright', 'test'], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(reports, 'playwright.json') } });

let passed = 0;
let failed = 0;
try {
  const v = JSON.parse(readFileSync(path.join(reports, 'vitest.json'), 'utf8'));
  passed += v.numPassedTests;
  // A file that fails before its tests run (an import, a describe body that throws) has no failed test: it counts.
  failed += v.numFailedTests + v.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} catch {
  failed += unit === 0 ? 0 : 1;
}
try {
  const p = JSON.parse(readFileSync(path.join(reports, 'playwright.json'), 'utf8'));
  passed += p.stats.expected;
  failed += p.stats.unexpected;
} catch {
  failed += e2e === 0 ? 0 : 1;
}
// The names of what failed (and, for Playwright, what passed only on its retry), last, where a CI log's tail shows them.
const names = [];
try {
  const v = JSON.parse(readFileSync(path.join(reports, 'vitest.json'), 'utf8'));
  for (const f of v.testResults) {
    for (const a of f.assertionResults) if (a.status === 'failed') names.push(`failed: ${path.relative(root, f.name)} › ${a.fullName}`);
    if (f.status === 'failed' && f.assertionResults.length === 0) names.push(`failed: ${path.relative(root, f.name)} (${f.message ?? 'no tests ran'})`);
  }
} catch {}
try {
  const p = JSON.parse(readFileSync(path.join(reports, 'playwright.json'), 'utf8'));
  const walk = (suite, titles) => {
    for (const s of suite.suites ?? []) walk(s, [...titles, s.title]);
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'unexpected' || t.status === 'flaky') names.push(`${t.status === 'flaky' ? 'flaky' : 'failed'}: ${[...titles, spec.title].filter(Boolean).join(' › ')}`);
      }
    }
  };
  for (const s of p.suites ?? []) walk(s, [s.title]);
} catch {}
for (const n of names) console.log(n);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(unit !== 0 || e2e !== 0 || failed > 0 ? 1 : 0);

// `prisma generate` needs no schema engine, but the CLI insists on finding one and would try to download it.
// Point it at any existing file so it stays offline (see DEVELOPERS.md, "Environment facts").
import { spawnSync } from 'node:child_process';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);

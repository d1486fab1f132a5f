import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository root, whether code runs from source (tsx, Vitest) or from the esbuild bundle in dist/: the
 * nearest folder upwards that holds package.json and prisma/.
 */
export function projectRoot(from = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

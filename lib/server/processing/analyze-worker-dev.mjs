// Development/test entry of the analysis worker: loads the TypeScript worker through tsx. Production runs the
// esbuild bundle dist/analyze-worker.js instead.
import { tsImport } from 'tsx/esm/api';

await tsImport('./analyze-worker.ts', import.meta.url);

import { config } from 'zod/v4/core';

/**
 * Runs in the browser before the dashboard's own code. Zod compiles object parsers with `new Function` where eval is
 * allowed, and finds out by trying once; the pages' Content-Security-Policy (proxy.ts) allows no eval, so the try is
 * refused and reported as a CSP violation. The forms' schemas parse without compiling (the server keeps compiling).
 */
config({ jitless: true });

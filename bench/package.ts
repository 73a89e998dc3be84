/**
 * The package as its users run it: the JavaScript that `npm run build` writes to dist/, not the
 * TypeScript sources. Those go through tsx, which wraps every function it creates in a naming call,
 * a cost the published package does not have. The bench scripts build first (see package.json).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  throw new Error('dist/ is missing: run `npm run build` first (the npm bench scripts do it for you).');
}

export const built: typeof import('../src/index.js') = await import(entry.href);

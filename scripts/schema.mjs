// Writes schema/lockfile.schema.json from src/core/lockfile/schema.ts (the reader's own definition).
// A test fails when the committed file is out of date: run `npm run schema` after changing the schema.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

// zod is bundled in (its only dependency), so the module imports nothing and loads from a data: URL.
const out = await build({ entryPoints: ['src/core/lockfile/json-schema.ts'], bundle: true, platform: 'node', format: 'esm', write: false, outdir: 'dist' });
const mod = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));
mkdirSync('schema', { recursive: true });
writeFileSync('schema/lockfile.schema.json', JSON.stringify(mod.lockfileJsonSchema(), null, 2) + '\n');
console.log('wrote schema/lockfile.schema.json');

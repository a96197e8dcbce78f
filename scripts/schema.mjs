// Writes schema/lockfile.schema.json from src/core/lockfile/schema.ts (the reader's own definition).
// A test fails when the committed file is out of date: run `npm run schema` after changing the schema.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

const out = await build({ entryPoints: ['src/core/lockfile/json-schema.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, outdir: 'dist' });
const mod = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text.replaceAll('from "zod"', `from "${new URL('../node_modules/zod/index.js', import.meta.url)}"`)));
mkdirSync('schema', { recursive: true });
writeFileSync('schema/lockfile.schema.json', JSON.stringify(mod.lockfileJsonSchema(), null, 2) + '\n');
console.log('wrote schema/lockfile.schema.json');

// Bundles the CLI into dist/cli.mjs (dependencies stay in node_modules) and type-checks nothing:
// `npm run typecheck` does that; esbuild only strips types, which keeps the build ~100 ms.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Lazy family imports stay separate chunks? No: one file keeps `npx repro-get` simple.
});

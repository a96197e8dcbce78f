// Bundles the CLI into dist/ (dependencies stay in node_modules). Code splitting keeps startup
// cheap: src/cli/*.ts import each command's implementation with `await import()`, so `--help` or
// `vercmp` never load openpgp, undici or zod. Type checks are `npm run typecheck`'s job.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// Runs every benchmark in bench/: *.bench.mjs as they are, *.bench.ts bundled with esbuild first
// (they import src/ directly). `npm run bench` (after `npm run build`); `npm run bench -- apt` runs
// only the benchmarks whose file name contains "apt".
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv[2] ?? '';
const files = readdirSync('bench').filter((f) => /\.bench\.(mjs|ts)$/.test(f) && f.includes(filter)).sort();
mkdirSync('dist/bench', { recursive: true });
let failed = 0;
for (const f of files) {
  let entry = join('bench', f);
  if (f.endsWith('.ts')) {
    const out = join('dist/bench', f.replace(/\.ts$/, '.mjs'));
    await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    entry = out;
  }
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', entry], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

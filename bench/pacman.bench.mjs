// pacman family: parse the real extra database (3,029 packages, September 2022, from
// ../shared/real-metadata/arch) and resolve a 20-package lock; budget 0.3 s with a warm cache.
//   in-process  core.db + extra.db parsed from bytes already in hand (what a warm cache gives),
//               the base closure and the 20 targets resolved: median and best of BENCH_RUNS fresh
//               processes (a CLI lock parses once per process, so a cold JIT is the honest case).
//   CLI         `repro-get lock --distro arch` end to end against a loopback mirror of the same
//               databases, cache warm (node start, keyrings, signature checks, lockfile write).
// Run: node bench/pacman.bench.mjs   (env: BENCH_RUNS=5; REPRO_GET_CLI=another build of the CLI)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const real = join(root, '../shared/real-metadata/arch');
const CLI = process.env.REPRO_GET_CLI ?? join(root, 'bin/repro-get');
const TARGETS = 'vim curl git openssh python wget htop nginx postgresql sqlite zsh gcc make cmake go rust perl lua strace gdb'.split(' ');
const BUDGET_MS = 300;

const work = mkdtempSync(join(tmpdir(), 'repro-get-pacman-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// --- in-process: a tiny entry bundled from src/ (so the figure is the code, not the build) ---
// Bundled inside node_modules so the bundle finds the project's packages.
const entry = join(root, 'node_modules/.cache/pacman-bench/entry.mjs');
process.on('exit', () => rmSync(join(root, 'node_modules/.cache/pacman-bench'), { recursive: true, force: true }));
writeFileSync(
  join(work, 'entry.ts'),
  `import { readFileSync } from 'node:fs';
import { parseDb } from ${JSON.stringify(join(root, 'src/families/pacman/db.ts'))};
import { makeRepo } from ${JSON.stringify(join(root, 'src/families/pacman/universe.ts'))};
import { resolve } from ${JSON.stringify(join(root, 'src/families/pacman/resolve.ts'))};
const bytes = ['core', 'extra'].map((id) => [id, readFileSync(${JSON.stringify(real)} + '/' + id + '.db.tar.gz')]);
const t0 = performance.now();
const repos = [];
for (const [id, b] of bytes) repos.push(makeRepo(id, await parseDb(b, id, id + '.db')));
const t1 = performance.now();
const base = resolve({ repos, installed: [], targets: ['base'] }).packages;
const r = resolve({ repos, installed: base, targets: process.argv.slice(2) });
const t2 = performance.now();
console.log(JSON.stringify({ parse: t1 - t0, resolve: t2 - t1, packages: repos[1].packages.length, locked: r.packages.length }));
`,
);
await build({ entryPoints: [join(work, 'entry.ts')], outfile: entry, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

const inproc = [];
for (let i = 0; i < RUNS; i++) {
  const r = spawnSync(process.execPath, [entry, ...TARGETS], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  inproc.push(JSON.parse(r.stdout));
}
const total = inproc.map((x) => x.parse + x.resolve);
console.log(`extra.db: ${inproc[0].packages} packages; ${TARGETS.length} targets → ${inproc[0].locked} packages to lock over the base closure`);
console.log(`in-process, fresh process each run (n=${RUNS}): parse core+extra median ${median(inproc.map((x) => x.parse)).toFixed(0)} ms, resolve (base + 20) median ${median(inproc.map((x) => x.resolve)).toFixed(1)} ms`);
console.log(`  parse + resolve: median ${median(total).toFixed(0)} ms, best ${Math.min(...total).toFixed(0)} ms  (budget ${BUDGET_MS} ms: ${median(total) <= BUDGET_MS ? 'met' : 'NOT met'})`);

// --- CLI end to end against a loopback mirror, warm cache ---
const www = join(work, 'www');
for (const id of ['core', 'extra']) {
  mkdirSync(join(www, id, 'os/x86_64'), { recursive: true });
  copyFileSync(join(real, `${id}.db.tar.gz`), join(www, id, 'os/x86_64', `${id}.db`));
}
const server = createServer(async (req, res) => {
  try {
    const data = await readFile(join(www, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    res.writeHead(200, { 'content-length': data.length }).end(data);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const args = ['lock', '--distro', 'arch', '--snapshot', '2022-09-11', '--suite', 'core', '--suite', 'extra', '--mirror', url, '-o', join(work, 'lock.yaml'), '-q', ...TARGETS];
const env = { ...process.env, REPRO_GET_CACHE: join(work, 'cache') };
const cli = [];
const runCli = () =>
  new Promise((resolve, reject) => {
    const t = performance.now();
    import('node:child_process').then(({ spawn }) => {
      const c = spawn(CLI, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (b) => (err += b));
      c.on('close', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(err))));
    });
  });
await runCli(); // warms the cache
for (let i = 0; i < RUNS; i++) cli.push(await runCli());
server.close();
console.log(`CLI lock, warm cache (n=${RUNS}): median ${median(cli).toFixed(0)} ms, best ${Math.min(...cli).toFixed(0)} ms (includes node start-up, keyring reading, signature-header checks, lockfile write)`);

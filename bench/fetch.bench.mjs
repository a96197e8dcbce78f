// `repro-get fetch` vs `curl --parallel --parallel-max 8` on the same 150 artifacts (20 KB–2 MB,
// ~60 MB) from a loopback HTTP server, then a warm-cache fetch that must make no HTTP request.
// Also the floor of any Node.js downloader (support/node-http-floor.mjs: node:http piped into
// files, nothing checked), which shows how much of the gap to curl is Node itself.
// Run after `npm run build`: node bench/fetch.bench.mjs   (env: BENCH_RUNS=3, BENCH_FILES=150,
// BENCH_MB=60, REPRO_GET_CLI=path to another build of the CLI).
//
// curl only downloads; repro-get also hashes every byte, checks sizes, fsyncs into its cache and
// links the files into --out, so a ratio near 1 means verification costs next to nothing.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockYaml, makeArtifacts } from './support/artifacts.mjs';

const N = Number(process.env.BENCH_FILES ?? 150);
const TOTAL = Number(process.env.BENCH_MB ?? 60) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOBS = 8;
const CLI = process.env.REPRO_GET_CLI ?? fileURLToPath(new URL('../bin/repro-get', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'repro-get-fetch-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// --- artifacts and lock: bench/support/artifacts.mjs ---
const pool = join(work, 'www');
const { packages, totalBytes } = makeArtifacts(N, TOTAL, (p, data) => {
  mkdirSync(join(pool, p.filename, '..'), { recursive: true });
  writeFileSync(join(pool, p.filename), data);
});

// --- a plain static server that counts requests ---
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const file = join(pool, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  let st;
  try {
    st = statSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const lockYamlText = lockYaml(packages, base, 'bench/fetch.bench.mjs');
const lockPath = join(work, 'repro-get.lock.yaml');
writeFileSync(lockPath, lockYamlText);
const curlConfig = join(work, 'curl.cfg');

// --- runs ---
// The server runs in this process, so commands run as children awaited asynchronously. Each
// resolves with its wall time; its CPU time (user + system, what a shared machine does not
// inflate much) goes to `cpu`, read from /usr/bin/time when installed.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuFile = join(work, 'cpu.txt');
const cpu = new Map(); // run list → CPU seconds
const timeAsync = (cmd, args, list) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [c, a] = TIME ? [TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
    const child = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exit ${code}: ${err.trim()}`));
      if (TIME && list) {
        const [u, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        cpu.set(list, [...(cpu.get(list) ?? []), u + sys]);
      }
      list?.push(s);
      resolve(s);
    });
  });

const fetchArgs = (cache, out) => [CLI, 'fetch', '-f', lockPath, '--out', out, '--cache', cache, '--jobs', String(JOBS), '--any-arch', '-q'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = [];
const curl = [];
const floor = [];
for (let i = 0; i < RUNS; i++) {
  // repro-get, cold cache
  const cache = join(work, `cache-${i}`);
  const out = join(work, `out-${i}`);
  await timeAsync(process.execPath, fetchArgs(cache, out), ours);
  if (readdirSync(out).length !== N + 2) throw new Error(`fetch wrote ${readdirSync(out).length} files, expected ${N + 2}`);
  rmSync(out, { recursive: true });
  if (i < RUNS - 1) rmSync(cache, { recursive: true });

  // curl, same URLs, same parallelism
  const cout = join(work, `curl-${i}`);
  mkdirSync(cout);
  writeFileSync(curlConfig, packages.map((p) => `url = "${base}/${p.filename}"\noutput = "${join(cout, p.filename.split('/').pop())}"\n`).join(''));
  await timeAsync('curl', ['--parallel', '--parallel-max', String(JOBS), '--fail', '--silent', '--show-error', '--config', curlConfig], curl);
  rmSync(cout, { recursive: true });

  // the least any Node.js downloader can take here (support/node-http-floor.mjs)
  const fout = join(work, `floor-${i}`);
  await timeAsync(process.execPath, [fileURLToPath(new URL('./support/node-http-floor.mjs', import.meta.url)), lockPath, fout], floor);
  if (readdirSync(fout).length !== N) throw new Error(`the floor client wrote ${readdirSync(fout).length} files, expected ${N}`);
  rmSync(fout, { recursive: true });
}

// warm cache (the last cold run's cache is kept): every artifact verified from disk, no request
requests = 0;
const warm = [];
for (let i = 0; i < RUNS; i++) {
  const out = join(work, `out-warm-${i}`);
  await timeAsync(process.execPath, fetchArgs(join(work, `cache-${RUNS - 1}`), out), warm);
  rmSync(out, { recursive: true });
}
const warmRequests = requests;
// start-up alone, for scale
const startup = [];
for (let i = 0; i < RUNS; i++) await timeAsync(process.execPath, [CLI, '--version'], startup);
server.close();

const mb = totalBytes / 1024 / 1024;
const fmt = (s) => `${s.toFixed(2)} s (${(mb / s).toFixed(0)} MiB/s)`;
const cpuOf = (list) => (cpu.has(list) ? `, CPU ${median(cpu.get(list)).toFixed(2)} s` : '');
console.log(`${N} artifacts, ${mb.toFixed(1)} MiB, ${JOBS} parallel, loopback; median of ${RUNS} run(s); CPU = user + system of the command`);
console.log(`  repro-get fetch (cold cache): ${fmt(median(ours))}${cpuOf(ours)}   runs: ${ours.map((s) => s.toFixed(2)).join(' ')}`);
console.log(`  curl --parallel-max ${JOBS}:      ${fmt(median(curl))}${cpuOf(curl)}   runs: ${curl.map((s) => s.toFixed(2)).join(' ')}`);
console.log(`  ratio repro-get / curl:       ${(median(ours) / median(curl)).toFixed(2)}`);
console.log(`  node:http floor (pipe to files, nothing else): ${fmt(median(floor))}${cpuOf(floor)}; floor / curl ${(median(floor) / median(curl)).toFixed(2)}, repro-get / floor ${(median(ours) / median(floor)).toFixed(2)}`);
console.log(`  repro-get fetch (warm cache): ${median(warm).toFixed(2)} s${cpuOf(warm)}, ${warmRequests} HTTP request(s) in ${RUNS} run(s)`);
// The warm run is the fixed cost (start-up, reading the lock, re-hashing the cache, linking into
// --out); what the cold run spends beyond it is the download itself.
console.log(`  cold - warm (the downloading): ${Math.max(0, median(ours) - median(warm)).toFixed(2)} s, vs curl ${median(curl).toFixed(2)} s`);
console.log(`  repro-get --version (start-up): ${median(startup).toFixed(2)} s${cpuOf(startup)}`);
console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (warmRequests !== 0) {
  console.error('FAIL: a warm-cache fetch made HTTP requests');
  process.exit(1);
}

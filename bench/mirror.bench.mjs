// `repro-get mirror push` / `mirror pull` of a 150-artifact lock (~60 MB) against Debian's
// docker-registry (Docker Distribution 2.8) on loopback, beside the same bytes moved by curl
// (POST + PUT per blob, 8 in parallel; GET per blob with --parallel) and, when installed, by
// `skopeo copy` of the same manifest from/to an OCI layout folder.
// Run after `npm run build`: node bench/mirror.bench.mjs   (env: BENCH_RUNS=3, BENCH_FILES=150,
// BENCH_MB=60, REPRO_GET_CLI=path to another build of the CLI).
//
// Push reads the artifacts from a warm cache (re-hashing each), so it measures the uploading;
// pull downloads into a cold cache, hashing and fsyncing every blob, like an install would.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockYaml, makeArtifacts } from './support/artifacts.mjs';

const N = Number(process.env.BENCH_FILES ?? 150);
const TOTAL = Number(process.env.BENCH_MB ?? 60) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOBS = 8;
const CLI = process.env.REPRO_GET_CLI ?? fileURLToPath(new URL('../bin/repro-get', import.meta.url));
const REGISTRY = '/usr/bin/docker-registry';
if (!existsSync(REGISTRY)) {
  console.log(`skipped: ${REGISTRY} is missing (Debian package docker-registry)`);
  process.exit(0);
}
const skopeo = spawnSync('skopeo', ['--version']).status === 0;

const work = mkdtempSync(join(tmpdir(), 'repro-get-mirror-bench-'));
let registry;
process.on('exit', () => {
  registry?.kill();
  rmSync(work, { recursive: true, force: true });
});

// --- artifacts and lock: bench/support/artifacts.mjs (the same as fetch.bench.mjs) ---
const files = join(work, 'files');
mkdirSync(files);
const { packages, totalBytes } = makeArtifacts(N, TOTAL, (p, data) => writeFileSync(join(files, p.sha256), data));

// --- a static server for the lock's own URLs (used once, to fill the push cache) ---
const server = createServer((req, res) => {
  const p = packages.find((x) => req.url.endsWith('/' + x.filename.split('/').pop()));
  if (!p) return void res.writeHead(404).end();
  const b = readFileSync(join(files, p.sha256));
  res.writeHead(200, { 'content-length': b.length }).end(b);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const lockYamlText = lockYaml(packages, base, 'bench/mirror.bench.mjs');
const lockPath = join(work, 'repro-get.lock.yaml');
writeFileSync(lockPath, lockYamlText);

// --- the registry ---
const port = await new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const host = `127.0.0.1:${port}`;
writeFileSync(join(work, 'registry.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'storage')}\nhttp:\n  addr: ${host}\n`);
registry = spawn(REGISTRY, ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
for (let i = 0; ; i++) {
  const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
  if (ok) break;
  if (i > 200) throw new Error('docker-registry did not start');
  await new Promise((r) => setTimeout(r, 25));
}

const run = (cmd, args) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      code === 0 ? resolve({ s, out }) : reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')} … exit ${code}: ${err.trim()}`));
    });
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cli = (...args) => run(process.execPath, [CLI, ...args]);

// Fill the push cache once from the static server.
const pushCache = join(work, 'push-cache');
await cli('fetch', '-f', lockPath, '--out', join(work, 'fetched'), '--cache', pushCache, '--any-arch', '-q');
rmSync(join(work, 'fetched'), { recursive: true });
server.close();

// curl: one POST + PUT per blob (xargs -P 8), then GETs with --parallel.
writeFileSync(
  join(work, 'put.sh'),
  `set -e\nloc=$(curl -sf -X POST -D - -o /dev/null "$R/v2/$REPO/blobs/uploads/" | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p')\ncurl -sf -o /dev/null -X PUT -H 'content-type: application/octet-stream' --data-binary @"$F/$1" "$loc&digest=sha256:$1"\n`,
);
const runEnv = (cmd, args, env) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9 }) : reject(new Error(`${cmd} exit ${code}: ${err.trim()}`))));
  });

const r = { push: [], again: [], pull: [], pullWarm: [], curlPush: [], curlPull: [], skopeoPush: [], skopeoPull: [] };
let tag = '';
for (let i = 0; i < RUNS; i++) {
  const repo = `bench/run${i}`;
  const p = await cli('mirror', 'push', '-f', lockPath, '--to', `oci://${host}/${repo}`, '--insecure', '--cache', pushCache, '--json', '-q');
  const summary = JSON.parse(p.out);
  if (summary.uploaded !== N + 2) throw new Error(`push uploaded ${summary.uploaded} blobs, expected ${N + 2}`);
  tag = summary.tag;
  r.push.push(p.s);
  const again = await cli('mirror', 'push', '-f', lockPath, '--to', `oci://${host}/${repo}`, '--insecure', '--cache', pushCache, '--json', '-q');
  if (JSON.parse(again.out).uploaded !== 0) throw new Error('the second push uploaded something');
  r.again.push(again.s);

  const pullCache = join(work, `pull-cache-${i}`);
  const pullArgs = ['mirror', 'pull', '--from', `oci://${host}/${repo}:${tag}`, '-f', join(work, `pulled-${i}.yaml`), '--insecure', '--cache', pullCache, '-q'];
  r.pull.push((await cli(...pullArgs)).s);
  // Warm: the same pull again is everything but the blob downloads (start-up, lock parse, re-hash).
  r.pullWarm.push((await cli(...pullArgs)).s);
  rmSync(pullCache, { recursive: true });

  r.curlPush.push((await runEnv('sh', ['-c', `ls "$F" | xargs -P ${JOBS} -n 1 sh ${join(work, 'put.sh')}`], { R: `http://${host}`, REPO: `bench/curl${i}`, F: files })).s);
  const out = join(work, `curl-out-${i}`);
  mkdirSync(out);
  writeFileSync(join(work, 'get.cfg'), packages.map((x) => `url = "http://${host}/v2/bench/curl${i}/blobs/sha256:${x.sha256}"\noutput = "${join(out, x.sha256)}"\n`).join(''));
  r.curlPull.push((await run('curl', ['--parallel', '--parallel-max', String(JOBS), '--fail', '--silent', '--show-error', '-L', '--config', join(work, 'get.cfg')])).s);
  rmSync(out, { recursive: true });
}

// skopeo (if installed): the manifest repro-get pushed, copied out to an OCI layout and back in.
let skopeoNote = 'not installed (Debian package skopeo)';
if (skopeo) {
  try {
    for (let i = 0; i < RUNS; i++) {
      const layout = join(work, `layout-${i}`);
      r.skopeoPull.push((await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${host}/bench/run0:${tag}`, `oci:${layout}:${tag}`])).s);
      r.skopeoPush.push((await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${host}/bench/skopeo${i}:${tag}`])).s);
      rmSync(layout, { recursive: true });
    }
    skopeoNote = '';
  } catch (e) {
    skopeoNote = `failed: ${e.message.split('\n')[0].slice(0, 200)}`;
  }
}

const mb = totalBytes / 1024 / 1024;
const fmt = (xs) => (xs.length ? `${median(xs).toFixed(2)} s (${(mb / median(xs)).toFixed(0)} MiB/s)   runs: ${xs.map((s) => s.toFixed(2)).join(' ')}` : '-');
console.log(`${N} artifacts, ${mb.toFixed(1)} MiB, ${JOBS} parallel, docker-registry ${spawnSync(REGISTRY, ['--version']).stdout.toString().trim().split(' ').pop()} on loopback; median of ${RUNS} run(s)`);
console.log(`  repro-get mirror push:          ${fmt(r.push)}`);
console.log(`  curl POST+PUT per blob (-P ${JOBS}):  ${fmt(r.curlPush)}`);
console.log(`  skopeo copy oci: -> registry:   ${skopeoNote || fmt(r.skopeoPush)}`);
console.log(`  repro-get mirror push again:    ${median(r.again).toFixed(2)} s (nothing uploaded)`);
console.log(`  repro-get mirror pull (cold):   ${fmt(r.pull)}`);
console.log(`  repro-get mirror pull (warm):   ${median(r.pullWarm).toFixed(2)} s (manifest + lock blob; artifacts re-hashed from the cache)`);
console.log(`  pull cold - warm (the blobs):   ${Math.max(0, median(r.pull) - median(r.pullWarm)).toFixed(2)} s`);
console.log(`  curl --parallel GET per blob:   ${fmt(r.curlPull)}`);
console.log(`  skopeo copy registry -> oci:    ${skopeoNote || fmt(r.skopeoPull)}`);
console.log(`  ratio push repro-get / curl:    ${(median(r.push) / median(r.curlPush)).toFixed(2)};  pull: ${(median(r.pull) / median(r.curlPull)).toFixed(2)}`);
process.exit(0);

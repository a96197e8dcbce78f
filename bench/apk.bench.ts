/**
 * apk benchmarks on the real v3.16 main x86_64 index (4,929 packages, ../shared/real-metadata):
 *  1. verify + parse the signed APKINDEX.tar.gz, and build the solver's universe;
 *  2. resolve 20 packages on top of alpine-base (the solver alone);
 *  3. `repro-get lock` of the same 20 packages with a warm cache, as a user runs it (CLI process),
 *     over a loopback copy of v3.16 main: the real index's packages and dependency graph, rebuilt
 *     as real .apk files and re-signed with the fixture key (Alpine's own .apk files are not here).
 * 4. the same lock in-process (the family's work without process start-up).
 * There is no apk-tools on this machine to compare against; the goal is < 300 ms for the lock.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseApkIndex } from '../src/families/apk/apkindex.js';
import { formatDep, parseDep } from '../src/families/apk/dependency.js';
import { readApkIndexFile } from '../src/families/apk/index-file.js';
import { loadApkKeys } from '../src/families/apk/keys.js';
import { resolveApk, type WorldEntry } from '../src/families/apk/resolve/index.js';
import { Universe } from '../src/families/apk/resolve/universe.js';
import { loadDistro } from '../src/core/distros.js';
import { ContentCache } from '../src/core/net/cache.js';
import { Fetcher } from '../src/core/net/fetcher.js';
import { Http } from '../src/core/net/http.js';
import { lockApk } from '../src/families/apk/lock.js';
import { startMirror } from '../test/support/mirror.js';
import { buildApk, buildIndex, fixtureKey, TRUSTED_KEY } from '../test/families/apk/support/build.js';

// Paths from the project root: this file runs bundled from dist/bench.
const FIXTURE_KEYS = join(process.cwd(), 'fixtures/apk/keys');

const PKGS = ['curl', 'jq', 'git', 'python3', 'vim', 'less', 'wget', 'gnupg', 'rsync', 'tar', 'unzip', 'zip', 'make', 'file', 'procps', 'iproute2', 'bash', 'nginx', 'ca-certificates', 'tzdata'];
const REAL = join(process.cwd(), '../shared/real-metadata/alpine/v3.16-main-x86_64-APKINDEX.tar.gz');
const RUNS = 7;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `best ${s[0].toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms, first ${xs[0].toFixed(0)} ms`;
}

const world = (atoms: string[], base = false): WorldEntry[] => atoms.map((raw) => ({ dep: parseDep(raw) as never, raw, base }));

if (!existsSync(REAL)) {
  console.log(`SKIP apk bench: ${REAL} is missing.`);
  process.exit(0);
}
// Shared machines vary: the load is part of every figure below.
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
const keys = await loadApkKeys([join(process.cwd(), 'distros/keys/alpine')]);
const raw = readFileSync(REAL);

// 1. Verify + parse + universe.
const parseTimes: number[] = [];
let universe!: Universe;
let count = 0;
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const f = readApkIndexFile(raw, 'v3.16/main', keys, true);
  const pkgs = parseApkIndex(f.text, 'v3.16/main');
  universe = new Universe();
  for (const p of pkgs) universe.add(p, 0, 'alpine/v3.16/main');
  parseTimes.push(performance.now() - t);
  count = pkgs.length;
}
console.log(`index: ${(raw.length / 1e6).toFixed(2)} MB signed APKINDEX.tar.gz, ${count} packages, ${universe.names.size} names`);
console.log(`verify + parse + universe:    ${stats(parseTimes)}`);

// 2. Solve: base, then the 20 packages on top.
const solveTimes: number[] = [];
let installed = 0;
for (let i = 0; i < RUNS; i++) {
  const u = new Universe();
  for (const p of universe.packages) u.add(p.info, 0, p.source);
  const t = performance.now();
  for (const p of resolveApk(u, world(['alpine-base'], true)).packages) p.installed = true;
  const r = resolveApk(u, [...world(['alpine-base'], true), ...world(PKGS)]);
  solveTimes.push(performance.now() - t);
  installed = r.packages.filter((p) => !p.installed).length;
}
console.log(`resolve base + ${PKGS.length} packages:    ${stats(solveTimes)} (${installed} packages to install)`);

// 3. The whole lock through the CLI, warm cache, over a loopback clone of v3.16 main.
const bin = join(process.cwd(), 'bin/repro-get');
if (!existsSync(join(process.cwd(), 'dist/cli.mjs'))) {
  console.log('SKIP lock timing: run npm run build first.');
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'rg-bench-apk-'));
try {
  const repo = join(work, 'alpine', 'v3.16', 'main', 'x86_64');
  await mkdir(repo, { recursive: true });
  const tb = performance.now();
  const built = universe.packages.map((p) =>
    buildApk({
      name: p.name,
      version: p.version,
      arch: p.arch,
      depends: p.depends.map(formatDep),
      provides: p.provides.map(formatDep),
      installIf: p.installIf.map(formatDep),
      providerPriority: p.providerPriority,
    }),
  );
  for (const b of built) await writeFile(join(repo, b.filename), b.file);
  await writeFile(join(repo, 'APKINDEX.tar.gz'), buildIndex(built, await fixtureKey(TRUSTED_KEY, 'RSA', FIXTURE_KEYS), 'v3.16 clone'));
  console.log(`(built the loopback clone: ${built.length} .apk files in ${((performance.now() - tb) / 1000).toFixed(1)} s)`);
  const mirror = await startMirror({ root: work });
  try {
    const cache = join(work, 'cache');
    const args = [bin, 'lock', '--distro', 'alpine:3.16', '--arch', 'x86_64', '--component', 'main', '--mirror', `${mirror.url}/alpine/`,
      '--keyring', join(FIXTURE_KEYS, TRUSTED_KEY), '--cache', cache, '-q', '-o', join(work, 'lock.yaml'), ...PKGS];
    // Asynchronously: the loopback mirror answers from this process's event loop.
    const run = async (): Promise<number> => {
      const t = performance.now();
      await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
      return performance.now() - t;
    };
    const cold = await run();
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await run());
    const lock = readFileSync(join(work, 'lock.yaml'), 'utf8');
    const locked = (lock.match(/^ {2}- name: /gm) ?? []).length;
    console.log(`lock (CLI), cold cache:       ${cold.toFixed(0)} ms (downloads and verifies ${locked} .apk files)`);
    console.log(`lock (CLI), warm cache:       ${stats(warm)}`);
    // The CLI's own start-up (loading every family's dependencies), measured on a command that does nothing.
    const startup = Array.from({ length: 3 }, () => {
      const t = performance.now();
      spawnSync(process.execPath, [bin, 'vercmp', '--family', 'apk', '1', '2']);
      return performance.now() - t;
    }).sort((a, b) => a - b)[0];
    console.log(`(CLI start-up alone, \`repro-get vercmp\`: ${startup.toFixed(0)} ms)`);

    // The lock itself in this process (what the family does, without process start-up).
    const { data, release } = await loadDistro('alpine:3.16');
    const inProc: number[] = [];
    const inProcCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const http = new Http({ retries: 0 });
      const c0 = process.cpuUsage();
      const t = performance.now();
      await lockApk({
        spec: {
          dir: work, distro: 'alpine:3.16', architectures: ['x86_64'], components: ['main'], mirrors: [{ url: `${mirror.url}/alpine/` }],
          keyrings: [join(FIXTURE_KEYS, TRUSTED_KEY)], repos: [],
          packages: PKGS.map((raw) => ({ name: raw, raw })),
        },
        distro: data, release, fetcher: new Fetcher(http, new ContentCache(cache)), now: new Date(), log: () => {},
      });
      inProc.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      inProcCpu.push((c.user + c.system) / 1000);
      await http.close();
    }
    console.log(`lock in-process, warm cache:  ${stats(inProc)}   (goal < 300 ms)`);
    console.log(`  the same, CPU time:         ${stats(inProcCpu)}`);
  } finally {
    await mirror.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

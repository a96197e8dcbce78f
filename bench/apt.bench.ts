/**
 * apt benchmarks on the real bookworm main amd64 index (from this machine's Debian mirror):
 *  1. index parsing (our xz decompression + Packages parser, as lock runs them: xz in a child, the
 *     output hashed and parsed as it streams) against `xz -dc` alone;
 *  2. `repro-get lock` of 20 packages with a warm metadata cache against `apt-get install -s` of the
 *     same packages (this machine's own apt lists), with peak memory.
 * Both sides run interleaved, RUNS times each. Prints the best wall times and their ratio (the goals),
 * and the median CPU time (user + system, child processes included), which a busy shared machine
 * inflates less than wall time. Skips (exit 0) with a message when the mirror is unreachable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decompress, decompressStream } from '../src/core/decompress.js';
import { PackagesParser, parsePackages } from '../src/families/apt/packages.js';
import { debianMirror, reachable } from './support/debian-mirror.js';

const PKGS = ['curl', 'jq', 'ca-certificates', 'git', 'python3', 'openssh-client', 'vim', 'less', 'wget', 'gnupg', 'rsync', 'tar', 'unzip', 'zip', 'make', 'file', 'procps', 'iproute2', 'netcat-openbsd', 'sudo'];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Sample {
  ms: number;
  cpu: number;
}

/** CPU ms of this process and its waited-for children (/proc: utime, stime, cutime, cstime). */
function cpuNow(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100;
}

async function sample(fn: () => unknown): Promise<Sample> {
  const c = cpuNow();
  const t = performance.now();
  await fn();
  return { ms: performance.now() - t, cpu: cpuNow() - c };
}

const bestMs = (s: Sample[]) => Math.min(...s.map((x) => x.ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medCpu = (s: Sample[]) => median(s.map((x) => x.cpu));

/** Wall time (ms), CPU (ms) and peak RSS (MB) of a command, via GNU time. */
function timed(cmd: string[]): Sample & { mb: number } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  const [u, s, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, cpu: (u + s) * 1000, mb: kb / 1024 };
}

const m = debianMirror();
if (!m || !(await reachable(`${m.debian}dists/bookworm/InRelease`))) {
  console.log('SKIP apt bench: the Debian mirror from /etc/apt/sources.list.d/debian.sources is not reachable.');
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'rg-bench-apt-'));
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${RUNS} runs of each side)`);

// 1. Parsing.
const xzPath = join(work, 'Packages.xz');
execFileSync('curl', ['-sSf', '-o', xzPath, `${m.debian}dists/bookworm/main/binary-amd64/Packages.xz`]);
const xzBytes = readFileSync(xzPath);
let count = 0;
const xzRuns: Sample[] = [];
const ourRuns: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  xzRuns.push(await sample(() => execFileSync('sh', ['-c', `xz -dc ${xzPath} > /dev/null`])));
  ourRuns.push(
    await sample(async () => {
      const parser = new PackagesParser('debian/bookworm', 'Packages');
      const h = createHash('sha256');
      await decompressStream(xzBytes, 'xz', 'Packages.xz', (c) => {
        h.update(c);
        parser.push(c);
      });
      h.digest();
      count = parser.end().length;
    }),
  );
}
const text = await decompress(xzBytes, 'xz', 'Packages.xz');
const parseRuns: Sample[] = [];
for (let i = 0; i < RUNS; i++) parseRuns.push(await sample(() => parsePackages(text, 'debian/bookworm', 'Packages')));
console.log(`index: ${(xzBytes.length / 1e6).toFixed(1)} MB xz, ${(text.length / 1e6).toFixed(1)} MB text, ${count} packages`);
console.log(`xz -dc alone:                   ${bestMs(xzRuns).toFixed(0)} ms   (CPU ${medCpu(xzRuns).toFixed(0)} ms)`);
console.log(`repro-get xz + sha256 + parse:  ${bestMs(ourRuns).toFixed(0)} ms   (CPU ${medCpu(ourRuns).toFixed(0)} ms, xz included; parse of the whole text alone ${bestMs(parseRuns).toFixed(0)} ms)`);
console.log(`ratio (xz -dc / ours):          ${(bestMs(xzRuns) / bestMs(ourRuns)).toFixed(2)}   (goal ≥ 0.67)`);

// 2. Lock of 20 packages, warm cache, against apt-get -s.
const bin = join(process.cwd(), 'bin/repro-get');
if (!existsSync(join(process.cwd(), 'dist/cli.mjs'))) throw new Error('run npm run build first');
const cache = join(work, 'cache');
const args = [process.execPath, bin, 'lock', '--distro', 'debian:bookworm', '--mirror', m.debian, ...(m.security ? ['--mirror', `debian-security=${m.security}`] : []), '--cache', cache, '-q', '-o', join(work, 'lock.yaml'), ...PKGS];
const cold = timed(args); // fills the cache
const aptArgs = ['apt-get', 'install', '-s', '--no-install-recommends', '-o', 'Debug::NoLocking=1', ...PKGS];
let aptOk = true;
try {
  timed(aptArgs);
} catch (e) {
  aptOk = false;
  console.log(`apt-get -s unavailable here (${(e as Error).message.split('\n')[0]}); run apt-get update first`);
}
const ours: (Sample & { mb: number })[] = [];
const apt: (Sample & { mb: number })[] = [];
for (let i = 0; i < Math.max(3, RUNS); i++) {
  ours.push(timed(args));
  if (aptOk) apt.push(timed(aptArgs));
}
console.log(`lock of ${PKGS.length} packages, cold cache:  ${cold.ms.toFixed(0)} ms, peak ${cold.mb.toFixed(0)} MB`);
console.log(`lock of ${PKGS.length} packages, warm cache:  ${bestMs(ours).toFixed(0)} ms   (CPU ${medCpu(ours).toFixed(0)} ms), peak ${Math.max(...ours.map((x) => x.mb)).toFixed(0)} MB (goal < 500 MB)`);
if (aptOk) {
  console.log(`apt-get install -s, same packages: ${bestMs(apt).toFixed(0)} ms   (CPU ${medCpu(apt).toFixed(0)} ms), peak ${Math.max(...apt.map((x) => x.mb)).toFixed(0)} MB`);
  console.log(`ratio (ours / apt-get):          ${(bestMs(ours) / bestMs(apt)).toFixed(2)}   (goal ≤ 1.0; CPU ${(medCpu(ours) / medCpu(apt)).toFixed(2)})`);
}
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
writeFileSync(join(work, 'DONE'), '');

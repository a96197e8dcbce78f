/**
 * apt benchmarks on the real bookworm main amd64 index (from this machine's Debian mirror):
 *  1. index parsing (our xz decompression + Packages parser) against `xz -dc` alone;
 *  2. `repro-get lock` of 20 packages with a warm metadata cache against `apt-get install -s` of the
 *     same packages (this machine's own apt lists), with peak memory.
 * Prints both sides and the ratios. Skips (exit 0) with a message when the mirror is unreachable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decompress } from '../src/core/decompress.js';
import { parsePackages } from '../src/families/apt/packages.js';
import { debianMirror, reachable } from './support/debian-mirror.js';

const PKGS = ['curl', 'jq', 'ca-certificates', 'git', 'python3', 'openssh-client', 'vim', 'less', 'wget', 'gnupg', 'rsync', 'tar', 'unzip', 'zip', 'make', 'file', 'procps', 'iproute2', 'netcat-openbsd', 'sudo'];
const RUNS = 5;

function best(fn: () => void): number {
  let b = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

async function bestAsync(fn: () => Promise<void>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

/** Wall time (ms) and peak RSS (MB) of a command, via GNU time. */
function timed(cmd: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; mb: number; out: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, mb: kb / 1024, out: r.stdout };
}

const m = debianMirror();
if (!m || !(await reachable(`${m.debian}dists/bookworm/InRelease`))) {
  console.log('SKIP apt bench: the Debian mirror from /etc/apt/sources.list.d/debian.sources is not reachable.');
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'rg-bench-apt-'));

// 1. Parsing.
const xzPath = join(work, 'Packages.xz');
execFileSync('curl', ['-sSf', '-o', xzPath, `${m.debian}dists/bookworm/main/binary-amd64/Packages.xz`]);
const xzBytes = execFileSync('cat', [xzPath], { maxBuffer: 64 << 20 });
const xzMs = best(() => execFileSync('sh', ['-c', `xz -dc ${xzPath} > /dev/null`]));
let count = 0;
const oursMs = await bestAsync(async () => {
  const text = (await decompress(xzBytes, 'xz', 'Packages.xz')).toString('utf8');
  count = parsePackages(text, 'debian/bookworm', 'Packages').length;
});
const text = (await decompress(xzBytes, 'xz', 'Packages.xz')).toString('utf8');
const parseOnlyMs = best(() => void parsePackages(text, 'debian/bookworm', 'Packages'));
console.log(`index: ${(xzBytes.length / 1e6).toFixed(1)} MB xz, ${(text.length / 1e6).toFixed(1)} MB text, ${count} packages`);
console.log(`xz -dc alone:                 ${xzMs.toFixed(0)} ms`);
console.log(`repro-get xz + parse:         ${oursMs.toFixed(0)} ms   (parse alone ${parseOnlyMs.toFixed(0)} ms)`);
console.log(`ratio (xz -dc / ours):        ${(xzMs / oursMs).toFixed(2)}   (goal ≥ 0.67)`);

// 2. Lock of 20 packages, warm cache, against apt-get -s.
const bin = join(process.cwd(), 'bin/repro-get');
if (!existsSync(join(process.cwd(), 'dist/cli.mjs'))) throw new Error('run npm run build first');
const cache = join(work, 'cache');
const args = [process.execPath, bin, 'lock', '--distro', 'debian:bookworm', '--mirror', m.debian, ...(m.security ? ['--mirror', `debian-security=${m.security}`] : []), '--cache', cache, '-q', '-o', join(work, 'lock.yaml'), ...PKGS];
timed(args); // cold: fills the cache
const ours = [1, 2, 3].map(() => timed(args)).sort((a, b) => a.ms - b.ms)[0];
const aptArgs = ['apt-get', 'install', '-s', '--no-install-recommends', '-o', 'Debug::NoLocking=1', ...PKGS];
let apt: { ms: number; mb: number } | undefined;
try {
  timed(aptArgs);
  apt = [1, 2, 3].map(() => timed(aptArgs)).sort((a, b) => a.ms - b.ms)[0];
} catch (e) {
  console.log(`apt-get -s unavailable here (${(e as Error).message.split('\n')[0]}); run apt-get update first`);
}
console.log(`lock of ${PKGS.length} packages, warm cache: ${ours.ms.toFixed(0)} ms, peak ${ours.mb.toFixed(0)} MB (goal < 500 MB)`);
if (apt) {
  console.log(`apt-get install -s, same packages: ${apt.ms.toFixed(0)} ms, peak ${apt.mb.toFixed(0)} MB`);
  console.log(`ratio (ours / apt-get):       ${(ours.ms / apt.ms).toFixed(2)}   (goal ≤ 1.0)`);
}
writeFileSync(join(work, 'DONE'), '');

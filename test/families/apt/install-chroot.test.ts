/**
 * The real thing: `repro-get install --root` into a copy of a debootstrapped bookworm minbase root,
 * from fixture packages served on loopback. dpkg-query inside the root must then show exactly the
 * locked versions added and nothing else changed; a tampered artifact must change nothing at all.
 * Skips (with the reason) when the root cannot be built, e.g. without network to the mirror.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { formatInstallPlan, installLocked, type InstallRunOptions } from '../../../src/app/install.js';
import { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { bookwormRoot, copyRoot } from '../../support/debootstrap.js';
import { FIXTURE_REPO, fixtureLock } from '../../support/fixture-lock.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

const PICKS = [
  'librgcore1',
  'rg-coreutils', // Pre-Depends: librgcore1, has a postinst
  'rg-tool', // Depends: librgcore1, rg-data (= 1:2.1-1); postinst
  'rg-data',
  'rg-tool-doc',
  'rg-codegen',
  'rg-tinyhttpd', // Provides rg-httpd
  'rg-webapp', // Depends: rg-httpd
  'rg-openssl=3.0.16-1~deb12u1', // from the security archive
  'rg-webfetch=7.88.1-10+deb12u1', // from bookworm-updates
  'rg-tzdata=2025b-0+deb12u1',
];
// REPRO_GET_CLI: another build of the CLI to test (default: the one `npm run build` makes).
const CLI = process.env.REPRO_GET_CLI ?? fileURLToPath(new URL('../../../bin/repro-get', import.meta.url));
const BUILT = process.env.REPRO_GET_CLI ?? fileURLToPath(new URL('../../../dist/cli.mjs', import.meta.url));

let base: ReturnType<typeof bookwormRoot>;
let mirror: Mirror;
let work: string;
let lock: Lockfile;
let lockPath: string;

beforeAll(async () => {
  base = bookwormRoot();
  mirror = await startMirror({ root: FIXTURE_REPO });
  work = await mkdtemp(join(tmpdir(), 'repro-get-chroot-'));
  lock = fixtureLock(mirror.url, PICKS);
  lockPath = join(work, 'repro-get.lock.yaml');
  await writeFile(lockPath, serializeLockfile(lock));
});
afterAll(async () => {
  await mirror?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The root to copy, or a skip with the reason. */
function baseRoot(ctx: TestContext): string {
  if ('skip' in base) ctx.skip(base.skip);
  return (base as { root: string }).root;
}

/** `name:arch version status` for every package dpkg knows in `root`. */
function dpkgState(root: string): Map<string, string> {
  const r = spawnSync('chroot', [root, 'dpkg-query', '-W', '-f', '${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dpkg-query in ${root}: ${r.stderr}`);
  return new Map(r.stdout.trim().split('\n').map((l) => {
    const [k, ...rest] = l.trim().split(' ');
    return [k, rest.join(' ')];
  }));
}

/** The CLI as a child process; asynchronous, because the mirror it downloads from runs in this one. */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const opts = (root: string, o: Partial<InstallRunOptions> = {}): InstallRunOptions => ({ root, cacheDir: join(work, 'cache'), machineArch: 'amd64', env: {}, retries: 0, backoffMs: 1, ...o });

/** Leftovers a clean install must not leave in the root. */
async function expectNoLeftovers(root: string): Promise<void> {
  expect(existsSync(join(root, 'var/cache/repro-get'))).toBe(false);
  expect(existsSync(join(root, 'usr/sbin/policy-rc.d'))).toBe(false);
  expect(await readdir(join(root, 'var/lib/apt/lists'))).toEqual(['partial']);
  expect((await readdir(join(root, 'var/cache/apt/archives'))).filter((f) => f.endsWith('.deb'))).toEqual([]);
}

describe('install --root into a debootstrapped bookworm', () => {
  it('installs exactly the locked versions, configured, and changes nothing else', async (ctx) => {
    const copy = await copyRoot(baseRoot(ctx));
    try {
      const before = dpkgState(copy.dir);
      const lines: string[] = [];
      const r = await installLocked(lockPath, opts(copy.dir, { log: (l) => lines.push(l) }));
      expect(r.steps.map((s) => s.map((p) => p.name))).toEqual([
        ['librgcore1', 'rg-base-files', 'rg-codegen', 'rg-data', 'rg-openssl', 'rg-tinyhttpd', 'rg-tool-doc', 'rg-tool', 'rg-tzdata', 'rg-webapp', 'rg-webfetch'].filter((n) => PICKS.some((p) => p.split('=')[0] === n)),
        ['rg-coreutils'],
      ]);
      const after = dpkgState(copy.dir);
      const expected = new Map(before);
      for (const p of lock.packages) expected.set(`${p.name}:${p.arch}`, `${p.version} ii`);
      expect(Object.fromEntries(after)).toEqual(Object.fromEntries(expected));
      // postinst ran: dpkg configured the package inside the root, not on the host
      expect(await readFile(join(copy.dir, 'var/lib/rg-fixtures/rg-coreutils.configured'), 'utf8')).toBe('rg-coreutils 9.1-1\n');
      expect(existsSync('/var/lib/rg-fixtures/rg-coreutils.configured')).toBe(false);
      await expectNoLeftovers(copy.dir);

      // Again: everything is in place and the cache is warm, so no download and no dpkg call.
      mirror.requests.length = 0;
      const again = await installLocked(lockPath, opts(copy.dir));
      expect(again.steps).toEqual([]);
      expect(again.alreadyInstalled).toHaveLength(lock.packages.length);
      expect(mirror.requests).toEqual([]);
    } finally {
      await copy.remove();
    }
  });

  it('installs nothing at all when one artifact is tampered with', async (ctx) => {
    const copy = await copyRoot(baseRoot(ctx));
    try {
      const before = dpkgState(copy.dir);
      const victim = lock.packages.find((p) => p.name === 'rg-webapp')!;
      mirror.fault(`/debian/${victim.filename}`, { kind: 'flip', offset: 100 });
      const e = await installLocked(lockPath, opts(copy.dir, { cacheDir: join(work, 'cache-tampered') })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ReproError);
      expect((e as ReproError).code).toBe('HASH');
      expect((e as ReproError).message).toContain(`rg-webapp ${victim.version} all`);
      expect(Object.fromEntries(dpkgState(copy.dir))).toEqual(Object.fromEntries(before));
      expect(existsSync(join(copy.dir, 'var/lib/rg-fixtures'))).toBe(false);
      await expectNoLeftovers(copy.dir);
    } finally {
      mirror.clearFaults();
      await copy.remove();
    }
  });

  it('installs a foreign-architecture package of a multi-arch lock, adding the architecture', async (ctx) => {
    const copy = await copyRoot(baseRoot(ctx));
    try {
      const before = dpkgState(copy.dir);
      const native = fixtureLock(mirror.url, ['librgcore1', 'rg-perlish']);
      const foreign = fixtureLock(mirror.url, ['librgcore1'], { arch: 'arm64' }).packages;
      const multi: Lockfile = { ...native, architectures: ['amd64', 'arm64'], packages: [...native.packages, ...foreign] };
      const path = join(work, 'multi.lock.yaml');
      await writeFile(path, serializeLockfile(multi));
      const r = await installLocked(path, opts(copy.dir));
      expect(formatInstallPlan(r, 'amd64')).toContain('librgcore1:arm64=1.4.2-3');
      const after = dpkgState(copy.dir);
      const expected = new Map(before);
      for (const p of multi.packages) expected.set(`${p.name}:${p.arch}`, `${p.version} ii`);
      expect(Object.fromEntries(after)).toEqual(Object.fromEntries(expected));
      expect(spawnSync('chroot', [copy.dir, 'dpkg', '--print-foreign-architectures'], { encoding: 'utf8' }).stdout.trim()).toBe('arm64');
      await expectNoLeftovers(copy.dir);
    } finally {
      await copy.remove();
    }
  });

  it('works through the built CLI (./bin/repro-get install --root)', async (ctx) => {
    const root = baseRoot(ctx);
    if (!existsSync(BUILT)) ctx.skip('dist/cli.mjs is missing: run `npm run build` first');
    const copy = await copyRoot(root);
    try {
      const before = dpkgState(copy.dir);
      const dry = await runCli(['install', '-f', lockPath, '--root', copy.dir, '--cache', join(work, 'cache-cli'), '--dry-run', '-q']);
      expect(dry.stderr).toBe('');
      expect(dry.status).toBe(0);
      expect(dry.stdout).toMatch(/^would install 11 package\(s\) into .* in 2 step\(s\)\nstep 1: librgcore1=1\.4\.2-3 .*\nstep 2: rg-coreutils=9\.1-1\n$/);
      expect(Object.fromEntries(dpkgState(copy.dir))).toEqual(Object.fromEntries(before));

      const run = await runCli(['install', '-f', lockPath, '--root', copy.dir, '--cache', join(work, 'cache-cli'), '-q']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const after = dpkgState(copy.dir);
      for (const p of lock.packages) expect(after.get(`${p.name}:${p.arch}`)).toBe(`${p.version} ii`);
      await expectNoLeftovers(copy.dir);
    } finally {
      await copy.remove();
    }
  });
});

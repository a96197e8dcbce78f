/**
 * Setup shared by the pacman hostile scenarios: the makepkg-built fixture repositories served by
 * two loopback mirrors, and a distros folder whose Arch "archive day" URL is the second one. The
 * lock's --mirror (`bad`) is where faults are injected; the archive (`good`) is the next URL every
 * pacman lock and artifact has, so "cured by the next mirror" is tested without a public host.
 * The fixture packager key is trusted as in test/families/pacman (fixtureDistros()).
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import YAML from 'yaml';
import { fetchLocked } from '../../src/app/fetch.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { parsePackageRequest, type PackageRequest, type Spec } from '../../src/core/spec.js';
import { FIXTURE_REPO, PACKAGER_KEY, fingerprintOf, fixtureDir, fixtureDistros } from '../families/pacman/support/fixture.js';
import { pacmanMissing } from '../families/pacman/support/pacman-oracle.js';
import { writeTar, type TarFile } from '../families/pacman/support/tar-writer.js';
import { mirrorPair, scratch, type MirrorPair } from './harness.js';

export const SNAPSHOT = '2024-05-01T00:00:00Z';
export const DB = (id: string) => `/${id}/os/x86_64/${id}.db`;

export interface PacmanWorld extends MirrorPair {
  /** A writable copy of the fixture repositories (what `bad` serves). */
  repo: string;
  spec(pkgs?: string[]): Spec;
}

/** Starts both mirrors and points REPRO_GET_DISTROS at an arch.yaml whose archive is `good`. */
export async function pacmanWorld(): Promise<PacmanWorld> {
  const repo = join(await scratch('rg-hostile-pacman-'), 'repo');
  await cp(FIXTURE_REPO, repo, { recursive: true });
  const pair = await mirrorPair(repo, FIXTURE_REPO, async (good) => {
    const distros = fixtureDistros();
    const arch = YAML.parse(await readFile(join(distros, 'arch.yaml'), 'utf8'));
    // Loopback archive day; no permanent package store (it would be a third, public host).
    const { packageStore: _store, ...rest } = arch;
    await writeFile(join(distros, 'arch.yaml'), YAML.stringify({ ...rest, snapshot: `${good.url}/{repo}/os/{arch}/` }));
    return distros;
  });
  return {
    ...pair,
    repo,
    spec: (pkgs = ['rg-app']) => ({
      dir: '/tmp',
      distro: 'arch',
      snapshot: SNAPSHOT,
      architectures: [],
      suites: ['core', 'extra'],
      mirrors: [{ url: `${pair.bad.url}/` }],
      keyrings: [],
      repos: [],
      packages: pkgs.map((p) => parsePackageRequest(p) as PackageRequest),
    }),
  };
}

/** The fixture database `id` as tar entries (unpacked with the system's tar). */
export async function dbEntries(id: string): Promise<TarFile[]> {
  const dir = await scratch('rg-hostile-db-');
  execFileSync('tar', ['-xzf', join(FIXTURE_REPO, id, 'os/x86_64', `${id}.db`), '-C', dir]);
  const out: TarFile[] = [];
  for (const folder of (await readdir(dir)).sort()) {
    out.push({ path: `${folder}/`, type: '5' });
    for (const f of (await readdir(join(dir, folder))).sort()) out.push({ path: `${folder}/${f}`, data: await readFile(join(dir, folder, f)) });
  }
  return out;
}

/** The entries with `field` of package folder `dir` replaced by `value` in its desc (`add`: appended). */
export function withField(entries: TarFile[], dir: string, field: string, value: string | Buffer, add = false): TarFile[] {
  const path = `${dir}/desc`;
  const hit = entries.find((e) => e.path === path);
  if (!hit) throw new Error(`no ${path} in the fixture database`);
  const text = hit.data!.toString();
  const re = new RegExp(`%${field}%\\n[^\\n]*\\n`);
  if (!add && !re.test(text)) throw new Error(`no %${field}% in ${path}`);
  const [before, after] = add ? [`${text}\n`, ''] : text.split(re);
  const data = Buffer.concat([Buffer.from(`${before}%${field}%\n`), Buffer.from(value), Buffer.from(`\n${after}`)]);
  return entries.map((e) => (e === hit ? { ...e, data } : e));
}

export { writeTar };

/** Why a real `pacman -U` cannot run here, or undefined. */
export const realInstallSkip = (): string | undefined => pacmanMissing() ?? (process.getuid?.() !== 0 ? 'installing with pacman needs root' : undefined);

/** `pacman -Q` of a scratch root made by pacmanRoot(), sorted. */
export function pacmanQ(root: string): string[] {
  const r = spawnSync('pacman', ['--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--config', join(root, 'etc/pacman.conf'), '-Q', '--color', 'never'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).sort();
}

/**
 * A scratch root whose pacman requires signatures and trusts the fixture packager, with the
 * fixture base installed (as test/families/pacman/install.test.ts builds it).
 */
export async function pacmanRoot(): Promise<string> {
  const root = join(await scratch('rg-hostile-pacman-root-'), 'root');
  const gnupg = join(root, 'etc/pacman.d/gnupg');
  await mkdir(gnupg, { recursive: true, mode: 0o700 });
  await mkdir(join(root, 'var/lib/pacman'), { recursive: true });
  await writeFile(join(root, 'etc/pacman.conf'), '[options]\nArchitecture = x86_64\nSigLevel = Required\nLocalFileSigLevel = Required\n');
  execFileSync('gpg', ['--batch', '--quiet', '--homedir', gnupg, '--import', PACKAGER_KEY], { stdio: 'ignore' });
  execFileSync('gpg', ['--batch', '--quiet', '--homedir', gnupg, '--import-ownertrust'], { input: `${fingerprintOf('packager.pub.asc')}:6:\n`, stdio: ['pipe', 'ignore', 'ignore'] });
  const base = (await readdir(fixtureDir('core'))).filter((f) => /^(base|rg-filesystem|rg-bash)-[^-]+-[^-]+-[^-]+\.pkg\.tar\.zst$/.test(f));
  const args = ['--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--config', join(root, 'etc/pacman.conf'), '--gpgdir', gnupg, '--cachedir', join(root, 'var/cache/pacman/pkg'), '--logfile', join(root, 'var/log/pacman.log'), '--noconfirm'];
  const r = spawnSync('pacman', [...args, '-U', ...base.map((f) => join(fixtureDir('core'), f))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot install the fixture base: ${r.stdout}${r.stderr}`);
  return root;
}

/** Writes lock `l` to a scratch folder and fetches its artifacts into `cache`; returns the lockfile path. */
export async function writeAndFetch(l: Lockfile, cache: string, net: { retries: number; backoffMs: number; timeoutMs: number }): Promise<string> {
  const dir = await scratch('rg-hostile-pacman-lock-');
  const lockPath = join(dir, 'repro-get.lock.yaml');
  await writeFile(lockPath, serializeLockfile(l));
  // fetch checks bytes against the lock only (signatures are install's): a genuine file passes.
  await fetchLocked(lockPath, join(dir, 'out'), { machineArch: 'x86_64', env: {}, cacheDir: cache, ...net });
  return lockPath;
}

/**
 * `repro-get install` for pacman: a lock of the makepkg-built fixtures installed with real
 * `pacman -U` into a scratch root (this machine's pacman with --root; its GnuPG home trusts the
 * fixture packager key, and pacman.conf requires signatures, so pacman checks every .sig too).
 * repro-get checks each signature itself first: a wrong, untrusted or revoked signer stops the
 * install before pacman runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installLocked } from '../../../src/app/install.js';
import { lock } from '../../../src/app/lock.js';
import type { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type PackageRequest } from '../../../src/core/spec.js';
import { pacmanDockerfile } from '../../../src/families/pacman/dockerfile.js';
import { DOCKERFILE_MODES, renderDockerfile } from '../../../src/app/dockerfile.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { FIXTURE_REPO, PACKAGER_KEY, UNTRUSTED_SECRET, fingerprintOf, fixtureDir, fixtureDistros } from './support/fixture.js';
import { pacmanMissing } from './support/pacman-oracle.js';

const skip = pacmanMissing() ?? (process.getuid?.() !== 0 ? 'installing with pacman needs root' : undefined);

describe.skipIf(!!skip)('install with pacman -U (fixture packages, scratch root)', () => {
  let mirror: Mirror;
  let work: string;
  let distros: string;
  let locked: Lockfile;
  const saved = process.env.REPRO_GET_DISTROS;
  const pacmanIn = (root: string, args: string[]) =>
    spawnSync('pacman', ['--root', root, '--dbpath', join(root, 'var/lib/pacman'), '--config', join(root, 'etc/pacman.conf'), '--gpgdir', join(root, 'etc/pacman.d/gnupg'), '--cachedir', join(root, 'var/cache/pacman/pkg'), '--logfile', join(root, 'var/log/pacman.log'), '--noconfirm', '--color', 'never', ...args], { encoding: 'utf8' });

  /** A root with pacman's database, a keyring trusting the fixture packager, and the fixture base. */
  function newRoot(): string {
    const root = mkdtempSync(join(work, 'root-'));
    const gnupg = join(root, 'etc/pacman.d/gnupg');
    mkdirSync(gnupg, { recursive: true, mode: 0o700 });
    mkdirSync(join(root, 'var/lib/pacman'), { recursive: true });
    writeFileSync(join(root, 'etc/pacman.conf'), '[options]\nArchitecture = x86_64\nSigLevel = Required\nLocalFileSigLevel = Required\n');
    execFileSync('gpg', ['--batch', '--quiet', '--homedir', gnupg, '--import', PACKAGER_KEY], { stdio: 'ignore' });
    execFileSync('gpg', ['--batch', '--quiet', '--homedir', gnupg, '--import-ownertrust'], { input: `${fingerprintOf('packager.pub.asc')}:6:\n`, stdio: ['pipe', 'ignore', 'ignore'] });
    const base = readdirSync(fixtureDir('core')).filter((f) => /^(base|rg-filesystem|rg-bash)-[^-]+-[^-]+-[^-]+\.pkg\.tar\.zst$/.test(f));
    const r = pacmanIn(root, ['-U', ...base.map((f) => join(fixtureDir('core'), f))]);
    if (r.status !== 0) throw new Error(`cannot install the fixture base: ${r.stdout}${r.stderr}`);
    return root;
  }
  const installed = (root: string) => pacmanIn(root, ['-Q']).stdout.split('\n').filter(Boolean).sort();
  const writeLock = (l: Lockfile, name: string) => {
    const f = join(work, name);
    writeFileSync(f, serializeLockfile(l));
    return f;
  };
  const opts = (root: string) => ({ root, cacheDir: join(work, 'cache'), retries: 0, log: () => {} });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rg-pacman-install-'));
    distros = fixtureDistros();
    process.env.REPRO_GET_DISTROS = distros;
    mirror = await startMirror({ root: FIXTURE_REPO });
    locked = await lock(
      {
        dir: work, distro: 'arch', snapshot: '2024-05-01T00:00:00Z', architectures: [], suites: ['core', 'extra'],
        mirrors: [{ url: `${mirror.url}/` }], keyrings: [], repos: [],
        packages: ['rg-app', 'rg-devel', 'rg-virt-user'].map((t) => parsePackageRequest(t) as PackageRequest),
      },
      { cacheDir: join(work, 'cache'), retries: 0 },
    );
  });
  afterAll(async () => {
    process.env.REPRO_GET_DISTROS = saved;
    await mirror?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(distros, { recursive: true, force: true });
  });

  it('installs exactly the locked versions in one pacman -U, dependencies marked as such', async () => {
    const root = newRoot();
    const before = installed(root);
    const file = writeLock(locked, 'ok.lock.yaml');
    const dry = await installLocked(file, { ...opts(root), dryRun: true });
    expect(dry.steps).toHaveLength(1);
    expect(installed(root)).toEqual(before);

    const r = await installLocked(file, opts(root));
    expect(r.steps[0].map((p) => p.name).sort()).toEqual(locked.packages.map((p) => p.name).sort());
    expect(installed(root)).toEqual([...before, ...locked.packages.map((p) => `${p.name} ${p.version}`)].sort());
    const deps = pacmanIn(root, ['-Qdq']).stdout.split('\n').filter(Boolean).sort();
    expect(deps).toEqual(locked.packages.filter((p) => !p.requested).map((p) => p.name).sort());
    expect(readFileSync(join(root, 'usr/share/rg-fixtures/rg-app'), 'utf8')).toBe('rg-app 1.0-1\n');

    const again = await installLocked(file, opts(root));
    expect(again.steps).toEqual([]);
    expect(again.alreadyInstalled).toHaveLength(locked.packages.length);
  });

  const refused = async (l: Lockfile, name: string): Promise<ReproError> => {
    const root = newRoot();
    const before = installed(root);
    const e = await installLocked(writeLock(l, name), opts(root)).then(() => { throw new Error('expected a refusal'); }, (x: ReproError) => x);
    expect(installed(root)).toEqual(before); // nothing installed
    return e;
  };

  it('refuses a locked signature that is not over the package file', async () => {
    const [a, b] = locked.packages;
    const swapped = { ...locked, packages: locked.packages.map((p) => (p === a ? { ...a, signature: b.signature } : p)) };
    const e = await refused(swapped, 'swapped.lock.yaml');
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toContain(a.filename);
    expect(e.message).toMatch(/does not verify/);
  });

  it('refuses a signature by a key no keyring trusts', async () => {
    const p = locked.packages[0];
    const home = mkdtempSync(join(work, 'gnupg-'));
    execFileSync('gpg', ['--batch', '--quiet', '--homedir', home, '--import', UNTRUSTED_SECRET], { stdio: 'ignore' });
    const sig = execFileSync('gpg', ['--batch', '--quiet', '--homedir', home, '--detach-sign', '--output', '-', join(fixtureDir(p.source), p.filename)]);
    const e = await refused({ ...locked, packages: locked.packages.map((q) => (q === p ? { ...p, signature: sig.toString('base64') } : q)) }, 'untrusted.lock.yaml');
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toMatch(new RegExp(`${p.filename}: no valid signature from a trusted key .*not in the trusted keyring`));
  });

  it('refuses a signer that a keyring copy dated on or before the snapshot revokes', async () => {
    const e = await refused({ ...locked, distro: 'arch-revoked' }, 'revoked.lock.yaml');
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toMatch(new RegExp(`signed by key ${fingerprintOf('packager.pub.asc')}, revoked in the Arch keyring of 2024-01-01`));
  });

  it('leaves the .sig files beside the packages for pacman, which checks them against its own keyring', async () => {
    const root = newRoot();
    // The system's keyring no longer knows the packager: repro-get's check passes, pacman's fails.
    const gnupg = join(root, 'etc/pacman.d/gnupg');
    rmSync(gnupg, { recursive: true, force: true });
    mkdirSync(gnupg, { mode: 0o700 });
    const e = await installLocked(writeLock(locked, 'nokey.lock.yaml'), opts(root)).then(() => { throw new Error('expected a refusal'); }, (x: ReproError) => x);
    expect(e.code).toBe('INSTALL');
    expect(e.message).toMatch(/pacman -U failed[\s\S]*(signature|key)/i);
  });

  it('Dockerfile lines: run with the image\'s tools only (sh, ln, base64, pacman), pacman checking each .sig', () => {
    const root = newRoot();
    const before = installed(root);
    const dir = mkdtempSync(join(work, 'artifacts-'));
    for (const p of locked.packages) copyFileSync(join(fixtureDir(p.source), p.filename), join(dir, basename(p.filename)));
    // `pacman` inside the "image" is this machine's pacman pointed at the scratch root.
    const bin = mkdtempSync(join(work, 'bin-'));
    const opts = ['--root', root, '--dbpath', `${root}/var/lib/pacman`, '--config', `${root}/etc/pacman.conf`, '--gpgdir', `${root}/etc/pacman.d/gnupg`, '--cachedir', `${root}/var/cache/pacman/pkg`, '--logfile', `${root}/var/log/pacman.log`];
    writeFileSync(join(bin, 'pacman'), `#!/bin/sh\nexec /usr/bin/pacman ${opts.join(' ')} "$@"\n`, { mode: 0o755 });
    const script = (l: Lockfile) => [...(pacmanDockerfile.prepare ?? []), ...pacmanDockerfile.installFromDir(dir, l)].join(' && \\\n    ');
    const sh = (l: Lockfile) => spawnSync('sh', ['-ec', script(l)], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });

    // A signature over another file: the image's pacman refuses it (repro-get is not there to check).
    const [a, b] = locked.packages;
    const bad = sh({ ...locked, packages: locked.packages.map((p) => (p === a ? { ...a, signature: b.signature } : p)) });
    expect(bad.status).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/signature|invalid or corrupted/i);
    expect(installed(root)).toEqual(before);

    const ok = sh(locked);
    expect(ok.status, `${ok.stdout}${ok.stderr}`).toBe(0);
    expect(installed(root)).toEqual([...before, ...locked.packages.map((p) => `${p.name} ${p.version}`)].sort());
    expect(pacmanIn(root, ['-Qdq']).stdout.split('\n').filter(Boolean).sort()).toEqual(locked.packages.filter((p) => !p.requested).map((p) => p.name).sort());
  });

  it('renders every Dockerfile mode for an Arch lock', () => {
    for (const mode of DOCKERFILE_MODES) {
      const { text } = renderDockerfile(locked, { mode, reproGetVersion: '0.1.0', lockInContext: 'repro-get.lock.yaml', lockFile: 'repro-get.lock.yaml', hook: pacmanDockerfile, base: 'archlinux:base' });
      expect(text).toContain('FROM archlinux:base');
      if (mode === 'install') expect(text).toMatch(/repro-get@0\.1\.0 install/);
      else {
        expect(text).toMatch(/sha256sum -c -/);
        expect(text).toMatch(/pacman -U --noconfirm --noprogressbar/);
      }
      expect(text).toContain('rm -rf /var/cache/pacman/pkg/* /var/log/pacman.log');
    }
  });

  it('gives Dockerfile lines that install the same way with the image tools only', () => {
    const lines = pacmanDockerfile.installFromDir('/mnt/artifacts', locked);
    const text = lines.join('\n');
    expect(text).toMatch(/pacman -U --noconfirm --noprogressbar/);
    for (const p of locked.packages) {
      expect(text).toContain(`ln -s /mnt/artifacts/${p.filename} /tmp/repro-get-pacman/${p.filename}`);
      expect(text).toContain(`printf '%s' ${p.signature} | base64 -d >/tmp/repro-get-pacman/${p.filename}.sig`);
    }
    expect(text).toMatch(/pacman -D --asdeps/);
  });
});

if (skip) it.skip(skip, () => {});

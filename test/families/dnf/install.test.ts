/**
 * `repro-get install` for dnf: a lock of the rpmbuild-made, rpmsign-signed fixtures installed with
 * real `rpm --upgrade` into a scratch root (this machine's rpm with --root). repro-get checks every
 * RPM signature with the distro's keys first (rpmkeys, scratch key database): packages signed by a
 * key the distro does not trust stop the install before rpm runs. Then the Dockerfile lines, run
 * with the image tools only (sh, base64, rpmkeys, rpm pointed at a scratch root).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKERFILE_MODES, renderDockerfile } from '../../../src/app/dockerfile.js';
import { installLocked } from '../../../src/app/install.js';
import { lock } from '../../../src/app/lock.js';
import type { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type PackageRequest } from '../../../src/core/spec.js';
import { dnfDockerfile } from '../../../src/families/dnf/dockerfile.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { haveDnf } from './dnf-oracle.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REPOS = here('../../../fixtures/dnf/repos');
const TRUSTED = here('../../../fixtures/keys/fixture-archive.pub.asc');
const UNTRUSTED = here('../../../fixtures/keys/untrusted.pub.asc');
const IDS = ['base', 'updates', 'extra'];
const skip = !haveDnf() ? 'rpm is not installed' : process.getuid?.() !== 0 ? 'installing with rpm needs root' : undefined;

describe.skipIf(!!skip)('install with rpm --upgrade (fixture packages, scratch root)', () => {
  let mirror: Mirror;
  let work: string;
  let locked: Lockfile;
  let lockFile: string;
  const saved = process.env.REPRO_GET_DISTROS;
  const rpmIn = (root: string, args: string[]) => spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { encoding: 'utf8' });
  const installed = (root: string) => rpmIn(root, ['-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n']).stdout.split('\n').filter(Boolean).sort();
  const newRoot = () => mkdtempSync(join(work, 'root-'));
  /** A distros folder whose `fx` distro is the fixture repositories' (keys: the given key file). */
  const distros = (key: string) => {
    const d = mkdtempSync(join(work, 'distros-'));
    writeFileSync(join(d, 'fx.yaml'), `family: dnf\nname: fx\narchitectures: [x86_64]\nsignedMetadata: true\nkeyrings: [${JSON.stringify(key)}]\n`);
    return d;
  };
  const opts = (root: string) => ({ root, cacheDir: join(work, 'cache'), retries: 0, log: () => {} });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rg-dnf-install-'));
    mirror = await startMirror({ root: REPOS });
    process.env.REPRO_GET_DISTROS = distros(TRUSTED);
    locked = await lock(
      {
        dir: work,
        distro: 'fx',
        architectures: ['x86_64'],
        mirrors: [],
        keyrings: [],
        repos: IDS.map((id) => ({ id, url: `${mirror.url}/${id}/`, untrusted: false, keyrings: [TRUSTED] })),
        packages: ['app-ver', 'app-file', 'app-32', 'epochy'].map((p) => parsePackageRequest(p) as PackageRequest),
      },
      { cacheDir: join(work, 'cache'), now: new Date('2026-01-01T00:00:00Z') },
    );
    lockFile = join(work, 'repro-get.lock.yaml');
    writeFileSync(lockFile, serializeLockfile(locked));
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.REPRO_GET_DISTROS;
    else process.env.REPRO_GET_DISTROS = saved;
    await mirror?.close();
  });

  const expected = ['app-32-1.0-1.x86_64', 'app-file-1.0-1.noarch', 'app-ver-1.0-1.x86_64', 'epochy-1.0-1.noarch', 'libv-3.1-1.x86_64', 'only32-1.0-1.i686', 'toolx-1.1-1.x86_64'];

  it('checks every signature with the distro keys, installs offline, and checks the result', async () => {
    const root = newRoot();
    const logs: string[] = [];
    const r = await installLocked(lockFile, { ...opts(root), log: (l) => logs.push(l) });
    expect(r.steps.flat().map((p) => `${p.name}-${p.version}.${p.arch}`).sort()).toEqual(['app-32-1.0-1.x86_64', 'app-file-1.0-1.noarch', 'app-ver-1.0-1.x86_64', 'epochy-1:1.0-1.noarch', 'libv-3.1-1.x86_64', 'only32-1.0-1.i686', 'toolx-1.1-1.x86_64']);
    expect(logs.join('\n')).toMatch(/verified 7 package signature\(s\) with fixture-archive\.pub\.asc/);
    expect(installed(root)).toEqual(expected);
    expect(readFileSync(join(root, 'usr/bin/toolx'), 'utf8')).toContain('echo toolx');
    // A second run finds everything in place and does nothing.
    const again = await installLocked(lockFile, opts(root));
    expect(again.steps).toEqual([]);
    expect(again.alreadyInstalled).toHaveLength(7);
  });

  it('--dry-run changes nothing', async () => {
    const root = newRoot();
    const r = await installLocked(lockFile, { ...opts(root), dryRun: true });
    expect(r.steps.flat()).toHaveLength(7);
    expect(installed(root)).toEqual([]);
  });

  it('refuses packages not signed by a distro key, before rpm runs', async () => {
    process.env.REPRO_GET_DISTROS = distros(UNTRUSTED);
    try {
      const root = newRoot();
      const e = await installLocked(lockFile, opts(root)).then(
        () => undefined,
        (x: ReproError) => x,
      );
      expect(e?.code).toBe('SIGNATURE');
      expect(e?.message).toMatch(/^7 package\(s\) are not signed by a fx key \(untrusted\.pub\.asc\):\n {2}Packages\/app-32-1\.0-1\.x86_64\.rpm: digests SIGNATURES NOT OK/);
      expect(installed(root)).toEqual([]);
    } finally {
      process.env.REPRO_GET_DISTROS = distros(TRUSTED);
    }
  });

  it('Dockerfile lines: the image tools only (sh, base64, rpmkeys, rpm) check signatures and install', () => {
    const dir = mkdtempSync(join(work, 'artifacts-'));
    for (const p of locked.packages) copyFileSync(join(REPOS, p.source, p.filename), join(dir, basename(p.filename)));
    // `rpm` inside the "image" is this machine's rpm pointed at a scratch root.
    const bin = mkdtempSync(join(work, 'bin-'));
    const script = (root: string) => {
      writeFileSync(join(bin, 'rpm'), `#!/bin/sh\nexec /usr/bin/rpm --root ${root} --dbpath /var/lib/rpm "$@"\n`, { mode: 0o755 });
      return [...(dnfDockerfile.prepare ?? []), ...dnfDockerfile.installFromDir(dir, locked)].join(' && \\\n    ');
    };
    const sh = (root: string) => spawnSync('sh', ['-ec', script(root)], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });

    const root = newRoot();
    const ok = sh(root);
    expect(ok.status, `${ok.stdout}${ok.stderr}`).toBe(0);
    expect(installed(root)).toEqual(expected);
    // The same lines again: --replacepkgs rewrites what is there, the check still passes.
    expect(sh(root).status).toBe(0);

    // Keys the packages are not signed with: rpmkeys refuses them and nothing is installed.
    process.env.REPRO_GET_DISTROS = distros(UNTRUSTED);
    try {
      const other = newRoot();
      const bad = sh(other);
      expect(bad.status).not.toBe(0);
      expect(`${bad.stdout}${bad.stderr}`).toMatch(/SIGNATURES NOT OK/);
      expect(installed(other)).toEqual([]);
    } finally {
      process.env.REPRO_GET_DISTROS = distros(TRUSTED);
    }
    // A package missing after the install: the check names it.
    script(root);
    const lines = dnfDockerfile.installFromDir(dir, { ...locked, packages: [...locked.packages, { ...locked.packages[0], name: 'ghost', arch: 'noarch' }] });
    const check = spawnSync('sh', ['-ec', lines[lines.length - 1]], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(check.status).not.toBe(0);
    expect(check.stderr).toMatch(/repro-get: ghost\.noarch is not installed at its locked version/);
  });

  it('renders every Dockerfile mode for a dnf lock', () => {
    for (const mode of DOCKERFILE_MODES) {
      const { text } = renderDockerfile(locked, { mode, reproGetVersion: '0.1.0', lockInContext: 'repro-get.lock.yaml', lockFile: 'repro-get.lock.yaml', hook: dnfDockerfile, base: 'fedora:40' });
      expect(text).toContain('FROM fedora:40');
      if (mode === 'install') expect(text).toMatch(/repro-get@0\.1\.0 install/);
      else {
        expect(text).toMatch(/sha256sum -c -/);
        expect(text).toMatch(/rpmkeys --dbpath \/tmp\/repro-get-rpmkeys --checksig/);
        expect(text).toMatch(/rpm --upgrade --replacepkgs --quiet/);
      }
      expect(text).toContain('rm -rf /var/cache/dnf/*');
    }
  });
});

if (skip) it.skip(skip, () => {});

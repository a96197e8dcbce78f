/**
 * The real CentOS Stream 9 AppStream repository (../shared/real-metadata/fedora, 17,649 packages) as
 * a world to resolve in. AppStream needs BaseOS, whose primary is not in the shared data, so a
 * real RPM, `virtual-baseos`, is built with rpmbuild providing every capability AppStream requires
 * but does not provide itself (at version 999:99999 when some package conflicts with or obsoletes
 * that name, so a versioned Conflicts never hits it), served from its own createrepo_c repository
 * and installed (rpm --justdb) as the base system. dnf and repro-get then see the same world.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { archPolicy } from '../../../src/families/dnf/arch.js';
import { atoms } from '../../../src/families/dnf/dep.js';
import { installedPackages, parseRpmQa } from '../../../src/families/dnf/installed.js';
import { nevra, type RpmPackage } from '../../../src/families/dnf/package.js';
import { readPrimary } from '../../../src/families/dnf/primary.js';
import { parseRepomd } from '../../../src/families/dnf/repomd.js';
import { Universe } from '../../../src/families/dnf/universe.js';
import { dnfRoot, type DnfRoot } from './dnf-oracle.js';

export const APPSTREAM = '../shared/real-metadata/fedora/cs9-appstream-x86_64';

export async function readAppstream(): Promise<RpmPackage[]> {
  const repomd = parseRepomd(readFileSync(join(APPSTREAM, 'repodata/repomd.xml'), 'utf8'), 'repomd.xml');
  const primary = repomd.files.get('primary')!;
  return (await readPrimary(readFileSync(join(APPSTREAM, primary.location)), 'gz', 'appstream', primary.location, primary.open)).packages;
}

export interface World {
  dir: string;
  /** Folder of a primary-only copy of AppStream for dnf (no modules.yaml: no modular filtering). */
  appstreamForDnf: string;
  /** createrepo_c folder holding virtual-baseos. */
  virtualRepo: string;
  /** Folder with `appstream/` (the real one) and `virtual/`, for a loopback mirror. */
  serve: string;
  /** dnf with AppStream and the virtual repository, virtual-baseos installed; its `rpm -qa` listing (also in rpm-qa.txt). */
  dnf: DnfRoot;
  listing: string;
  universe: Universe;
}

export async function buildWorld(appstream: RpmPackage[]): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'rg-appstream-'));
  const u0 = new Universe(appstream);
  const missing = new Set<string>();
  for (const p of appstream) {
    for (const d of [...p.requires, ...p.recommends]) {
      if (d.startsWith('rpmlib(')) continue;
      for (const a of atoms(u0.dep(d, nevra(p)))) if (u0.whatProvides(a).length === 0) missing.add(a.name);
    }
  }
  const ranged = new Set<string>();
  for (const p of appstream) for (const d of [...p.conflicts, ...p.obsoletes]) for (const a of atoms(u0.dep(d, nevra(p)))) ranged.add(a.name);
  const spec = [
    'Name: virtual-baseos',
    'Version: 9',
    'Release: 1',
    'Summary: what BaseOS provides to AppStream (TEST ONLY)',
    'License: MIT',
    'BuildArch: noarch',
    'AutoReqProv: no',
    ...[...missing].sort().map((m) => `Provides: ${m.replaceAll('%', '%%')}${ranged.has(m) ? ' = 999:99999' : ''}`),
    '',
    '%description',
    'Stands in for CentOS Stream 9 BaseOS in tests.',
    '',
    '%files',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'virtual-baseos.spec'), spec);
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${dir}/top`, join(dir, 'virtual-baseos.spec')], { stdio: 'pipe' });
  const virtualRepo = join(dir, 'virtual');
  mkdirSync(virtualRepo);
  const rpm = join(dir, 'top/RPMS/noarch', readdirSync(join(dir, 'top/RPMS/noarch'))[0]);
  copyFileSync(rpm, join(virtualRepo, 'virtual-baseos-9-1.noarch.rpm'));
  execFileSync('createrepo_c', ['--quiet', '--no-database', virtualRepo]);

  const appstreamForDnf = join(dir, 'appstream');
  mkdirSync(join(appstreamForDnf, 'repodata'), { recursive: true });
  const repomd = readFileSync(join(APPSTREAM, 'repodata/repomd.xml'), 'utf8');
  const primaryHref = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
  copyFileSync(join(APPSTREAM, primaryHref), join(appstreamForDnf, primaryHref));
  writeFileSync(join(appstreamForDnf, 'repodata/repomd.xml'), repomd.replace(/\s*<data type="(?!primary")[\s\S]*?<\/data>/g, ''));

  const dnf = dnfRoot({ appstream: appstreamForDnf, virtual: virtualRepo }, [rpm]);
  const listing = dnf.installedListing();
  writeFileSync(join(dir, 'rpm-qa.txt'), listing);
  // For a loopback mirror: the real AppStream folder and the virtual repository side by side.
  const serve = join(dir, 'serve');
  mkdirSync(serve);
  symlinkSync(resolve(APPSTREAM), join(serve, 'appstream'));
  symlinkSync(virtualRepo, join(serve, 'virtual'));

  // The universe exactly as `lock` builds it: compatible arches, the base from the listing.
  const arch = archPolicy('x86_64')!;
  const virtual = (await readVirtual(virtualRepo)).filter((p) => arch.compatible(p.arch));
  const available = [...appstream.filter((p) => arch.compatible(p.arch)), ...virtual];
  const installed = installedPackages(parseRpmQa(listing, 'rpm-qa'), available).pkgs;
  const have = new Set(installed.map(nevra));
  const universe = new Universe([...installed, ...available.filter((p) => !have.has(nevra(p)))]);
  return { dir, appstreamForDnf, virtualRepo, serve, dnf, listing, universe };
}

async function readVirtual(repo: string): Promise<RpmPackage[]> {
  const repomd = parseRepomd(readFileSync(join(repo, 'repodata/repomd.xml'), 'utf8'), 'repomd.xml');
  const primary = repomd.files.get('primary')!;
  return (await readPrimary(readFileSync(join(repo, primary.location)), 'gz', 'virtual', primary.location, primary.open)).packages;
}

/**
 * Oracle: for every case, the set of (name, EVR, arch) that `repro-get lock` writes equals the
 * transaction `dnf --installroot=… --assumeno install …` reports, on the fixture repositories built by
 * fixtures/dnf/build.sh from spec files (versioned and file requires, rich and weak dependencies,
 * obsoletes, conflicts, several providers, several repositories, multilib, epochs, tilde/caret,
 * an installed base). When dnf refuses, repro-get must refuse too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { ReproError } from '../../../src/core/errors.js';
import { parsePackageRequest, type PackageRequest, type Spec } from '../../../src/core/spec.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { dnfRoot, haveDnf } from './dnf-oracle.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REPOS = here('../../../fixtures/dnf/repos');
const KEY = here('../../../fixtures/keys/fixture-archive.pub.asc');
const IDS = ['base', 'updates', 'extra'];

interface Case {
  request: string[];
  /** Fixture packages (repo/file name) installed in the root before the request. */
  base?: string[];
  weakDeps?: boolean;
}

const CASES: Case[] = [
  // versioned requires, pins, several repositories (highest EVR across repositories)
  { request: ['app-ver'] },
  { request: ['app-oldlib'] },
  { request: ['libv=2.0'] },
  { request: ['toolx'] },
  // file requires
  { request: ['app-file'] },
  // rich dependencies
  { request: ['app-or'] },
  { request: ['app-and'] },
  { request: ['app-if'] },
  { request: ['app-if', 'rich-trigger'] },
  { request: ['app-ifelse'] },
  { request: ['app-ifelse', 'rich-trigger'] },
  { request: ['app-unless'] },
  { request: ['app-unless', 'rich-trigger'] },
  { request: ['app-cif'] },
  { request: ['app-cif', 'rich-trigger'] },
  { request: ['app-with'] },
  { request: ['app-without'] },
  { request: ['app-richver'] },
  // weak dependencies, on by default, off with --no-weak-deps
  { request: ['app-weak'] },
  { request: ['app-weak', 'langpack-xx'] },
  { request: ['app-weak', 'langpack-xx'], weakDeps: false },
  { request: ['app-rich-rec'] },
  { request: ['app-rich-rec', 'rich-trigger'] },
  { request: ['app-rec-choice'] },
  // obsoletes
  { request: ['oldname'] },
  { request: ['app-needs-old'] },
  { request: ['newname'], base: ['base/Packages/oldname-1.0-1.noarch.rpm'] },
  { request: ['app-needs-old'], base: ['base/Packages/oldname-1.0-1.noarch.rpm'] },
  // conflicts, several providers
  { request: ['app-conf'] },
  { request: ['app-mta'] },
  { request: ['app-mta', 'conf-b'] },
  { request: ['conf-c', 'app-mta'] },
  // architectures (x86_64 and noarch first, i686 only when nothing else provides)
  { request: ['app-m'] },
  { request: ['app-32'] },
  { request: ['libm:i686'] },
  // epochs, tilde and caret
  { request: ['app-epoch'] },
  { request: ['tver'] },
  // an installed base: upgrades to satisfy a versioned requirement, installed providers are used
  { request: ['app-ver'], base: ['base/Packages/libv-1.0-1.x86_64.rpm'] },
  { request: ['app-oldlib', 'app-file'], base: ['base/Packages/libv-1.0-1.x86_64.rpm', 'base/Packages/toolx-1.0-1.x86_64.rpm'] },
  // everything at once
  { request: ['app-ver', 'app-file', 'app-or', 'app-weak', 'app-32', 'oldname', 'app-conf', 'app-with', 'app-epoch', 'tver', 'app-rich-rec'] },
  // refusals: a missing requirement deep in a chain, an unknown name
  { request: ['chain-a'] },
  { request: ['no-such-package'] },
];

/** repro-get's request syntax in dnf's: name:arch → name.arch, name=version → name-version. */
const toDnf = (r: PackageRequest) => `${r.name}${r.version ? `-${r.version}` : ''}${r.arch ? `.${r.arch}` : ''}`;

let mirror: Mirror;
beforeAll(async () => {
  mirror = await startMirror({ root: REPOS });
});
afterAll(async () => mirror?.close());

describe.runIf(haveDnf() || !process.env.REPRO_GET_SKIP_ORACLE)('dnf oracle over the fixture repositories', () => {
  it('has dnf and rpm installed (.ci/apt-packages.txt)', () => {
    expect(haveDnf(), 'install dnf and rpm (Debian packages), or set REPRO_GET_SKIP_ORACLE=1').toBe(true);
  });

  const cacheDir = mkdtempSync(join(tmpdir(), 'rg-dnf-oracle-cache-'));
  it.each(CASES.map((c) => [`${c.request.join(' ')}${c.base ? ` over ${c.base.length} installed` : ''}${c.weakDeps === false ? ' --no-weak-deps' : ''}`, c] as const))(
    '%s',
    async (_, c) => {
      const requests = c.request.map((r) => parsePackageRequest(r) as PackageRequest);
      const root = dnfRoot(Object.fromEntries(IDS.map((id) => [id, join(REPOS, id)])), (c.base ?? []).map((b) => join(REPOS, b)));
      const dnf = root.install(requests.map(toDnf), { weakDeps: c.weakDeps });
      let installed: string | undefined;
      if (c.base) {
        installed = join(root.dir, 'rpm-qa.txt');
        writeFileSync(installed, root.installedListing());
      }
      const spec: Spec = {
        dir: root.dir,
        distro: 'rpm',
        architectures: ['x86_64'],
        mirrors: [],
        keyrings: [],
        repos: IDS.map((id) => ({ id, url: `${mirror.url}/${id}/`, untrusted: false, keyrings: [KEY] })),
        installRecommends: c.weakDeps,
        installed,
        packages: requests,
      };
      let ours: string[] | ReproError;
      try {
        const l = await lock(spec, { cacheDir, now: new Date('2026-01-01T00:00:00Z') });
        ours = l.packages.map((p) => `${p.name}-${p.version}.${p.arch}`).sort();
      } catch (e) {
        if (!(e instanceof ReproError)) throw e;
        ours = e;
      }
      if (!dnf.ok) {
        expect(ours, `dnf refused:\n${dnf.error}`).toBeInstanceOf(ReproError);
        expect(['UNSATISFIABLE', 'NOT_FOUND']).toContain((ours as ReproError).code);
      } else {
        expect(ours instanceof ReproError ? ours.message : ours).toEqual(dnf.transaction);
      }
    },
  );
});

/**
 * Hand-made lockfiles over the fixture apt repository, for the fetch/install tests: the artifact
 * facts (version, sha256, size, filename) come straight from the fixture Packages indexes, so these
 * tests do not depend on the resolver. `depends` holds the picked packages named in Depends or
 * Pre-Depends (directly or through Provides), which is what a real lock records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStanzas, field } from '../../src/families/apt/deb822.js';
import { LOCKFILE_VERSION, type LockedPackage, type Lockfile } from '../../src/core/lockfile/schema.js';

export const FIXTURE_REPO = fileURLToPath(new URL('../../fixtures/apt/repo', import.meta.url));

const INDEXES = [
  { archive: 'debian', suite: 'bookworm' },
  { archive: 'debian', suite: 'bookworm-updates' },
  { archive: 'debian-security', suite: 'bookworm-security' },
];

export interface FixtureEntry {
  name: string;
  version: string;
  arch: string;
  sha256: string;
  size: number;
  filename: string;
  archive: string;
  suite: string;
  relations: string[];
  provides: string[];
}

/** Every stanza of the fixture indexes for one architecture. */
export function fixtureIndex(arch = 'amd64'): FixtureEntry[] {
  const out: FixtureEntry[] = [];
  for (const { archive, suite } of INDEXES) {
    const text = readFileSync(join(FIXTURE_REPO, archive, 'dists', suite, 'main', `binary-${arch}`, 'Packages'), 'utf8');
    for (const s of parseStanzas(text)) {
      const names = (f: string) => (field(s, f) ?? '').split(/[,|]/).map((x) => x.trim().split(/[\s:(]/)[0]).filter(Boolean);
      out.push({
        name: field(s, 'Package')!,
        version: field(s, 'Version')!,
        arch: field(s, 'Architecture')!,
        sha256: field(s, 'SHA256')!,
        size: Number(field(s, 'Size')),
        filename: field(s, 'Filename')!,
        archive,
        suite,
        relations: [...names('Pre-Depends'), ...names('Depends')],
        provides: names('Provides'),
      });
    }
  }
  return out;
}

/**
 * A lock of the picked packages (`name` takes the first index's entry, `name=version` that
 * version), served from `mirrorUrl` (`http://127.0.0.1:PORT`).
 */
export function fixtureLock(mirrorUrl: string, picks: string[], opts: { arch?: string } = {}): Lockfile {
  const arch = opts.arch ?? 'amd64';
  const index = fixtureIndex(arch);
  const chosen = picks.map((p) => {
    const [name, version] = p.split('=');
    const e = index.find((x) => x.name === name && (version === undefined || x.version === version));
    if (!e) throw new Error(`fixture has no ${p} for ${arch}`);
    return e;
  });
  const byName = new Map(chosen.map((e) => [e.name, e]));
  const provider = (n: string) => byName.get(n)?.name ?? chosen.find((e) => e.provides.includes(n))?.name;
  const packages: LockedPackage[] = chosen.map((e) => ({
    name: e.name,
    version: e.version,
    arch: e.arch,
    sha256: e.sha256,
    size: e.size,
    filename: e.filename,
    url: `${mirrorUrl}/${e.archive}/${e.filename}`,
    source: `${e.archive}/${e.suite}`,
    requested: true,
    pulledInBy: [],
    depends: [...new Set(e.relations.map(provider).filter((x): x is string => !!x && x !== e.name))].sort(),
  }));
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'apt',
    distro: 'debian:bookworm',
    architectures: [arch],
    snapshot: '2025-05-20T00:00:00Z',
    spec: `sha256:${'0'.repeat(64)}`,
    options: { installRecommends: false, base: 'default' },
    assumedInstalled: [],
    sources: [],
    packages,
  };
}

/** Small hand-made locks for tests of lock consumers (diff, why, fetch, dockerfile). */
import { LOCKFILE_VERSION, type Lockfile, type LockedPackage } from '../../src/core/lockfile/schema.js';

export const hex = (c: string) => c.repeat(64).slice(0, 64);

export function pkg(name: string, version: string, o: Partial<LockedPackage> = {}): LockedPackage {
  const file = `pool/main/${name[0]}/${name}/${name}_${version.replace(/^\d+:/, '')}_amd64.deb`;
  return {
    name,
    version,
    arch: 'amd64',
    sha256: hex(((name.length + version.length) % 10).toString()),
    size: 1000 + name.length,
    filename: file,
    url: `https://snapshot.example/archive/debian/20250520T000000Z/${file}`,
    source: 'debian/bookworm',
    requested: false,
    pulledInBy: [],
    depends: [],
    ...o,
  };
}

export function lock(packages: LockedPackage[], o: Partial<Lockfile> = {}): Lockfile {
  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'apt',
    distro: 'debian:bookworm',
    architectures: ['amd64'],
    snapshot: '2025-05-20T00:00:00Z',
    spec: 'sha256:' + hex('a'),
    options: { installRecommends: false, base: 'default' },
    assumedInstalled: ['libc6=2.36-9+deb12u10'],
    sources: [
      {
        id: 'debian/bookworm',
        url: 'https://snapshot.example/archive/debian/20250520T000000Z/',
        metadata: { path: 'dists/bookworm/InRelease', sha256: hex('b'), signedBy: ['4D64FEC119C2029067D6E791F8D2585B8783D481'], date: '2025-05-17T09:12:00Z' },
        indexes: [{ path: 'dists/bookworm/main/binary-amd64/Packages.xz', sha256: hex('c'), size: 10 }],
      },
    ],
    packages,
    ...o,
  };
}

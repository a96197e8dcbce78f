/**
 * The fixture Alpine tree the lock tests serve on 127.0.0.1: a small, made-up v3.20 with the
 * shapes the resolver and the lock must handle (virtual names, provider priorities, install_if,
 * conflicts, a newer build in a later repository, a package without datahash), plus broken
 * repositories (signed by an untrusted key, unsigned, tampered).
 */
import { mkdtemp, writeFile, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistroData } from '../../../../src/core/distros.js';
import { buildIndex, fixtureKey, FIXTURE_KEYS, TRUSTED_KEY, UNTRUSTED_KEY, writeRepo, type BuiltPkg, type FixturePkg } from './build.js';

const LIBC = 'so:libc.musl-x86_64.so.1';

export const MAIN: FixturePkg[] = [
  { name: 'alpine-base', version: '3.20.3-r0', depends: ['alpine-baselayout', 'busybox', 'musl-utils', 'openrc'] },
  { name: 'alpine-baselayout', version: '3.6.5-r0' },
  { name: 'busybox', version: '1.36.1-r29', depends: [LIBC], provides: ['/bin/sh', 'cmd:busybox=1.36.1-r29'] },
  { name: 'musl', version: '1.2.5-r0', provides: [`${LIBC}=1`] },
  { name: 'musl-utils', version: '1.2.5-r0', depends: ['musl'] },
  { name: 'bash', version: '5.2.26-r0', depends: ['/bin/sh', LIBC, 'so:libreadline.so.8'], provides: ['cmd:bash=5.2.26-r0'] },
  { name: 'readline', version: '8.2.10-r0', depends: [LIBC], provides: ['so:libreadline.so.8=8.2'] },
  { name: 'bash-doc', version: '5.2.26-r0', installIf: ['docs', 'bash=5.2.26-r0'] },
  { name: 'docs', version: '0.2-r6' },
  { name: 'openrc', version: '0.54-r1', depends: ['/bin/sh'] },
  { name: 'dbus', version: '1.14.10-r1', depends: ['/bin/sh'] },
  { name: 'dbus-openrc', version: '1.14.10-r1', depends: ['openrc'], installIf: ['openrc', 'dbus=1.14.10-r1'] },
  { name: 'icu-data-full', version: '74.2-r0', provides: ['icu-data'], providerPriority: 10 },
  { name: 'icu-data-en', version: '74.2-r0', provides: ['icu-data'], providerPriority: 100 },
  { name: 'dropbear-scp', version: '2024.85-r0', depends: ['!openssh-client'], provides: ['cmd:scp=2024.85-r0'] },
  { name: 'openssh-client', version: '9.7_p1-r4', depends: ['openssh-client-common'] },
  { name: 'openssh-client-common', version: '9.7_p1-r4', provides: ['cmd:scp=9.7_p1-r4'] },
  { name: 'curl', version: '8.9.1-r0', depends: ['libcurl=8.9.1-r0', LIBC], provides: ['cmd:curl=8.9.1-r0'] },
  { name: 'libcurl', version: '8.9.1-r0', depends: ['so:libz.so.1', LIBC], provides: ['so:libcurl.so.4=4.8.0'] },
  { name: 'zlib', version: '1.3.1-r1', depends: [LIBC], provides: ['so:libz.so.1=1.3.1'] },
  { name: 'jq', version: '1.7.1-r0', depends: [LIBC] },
  { name: 'broken-app', version: '1.0-r0', depends: ['so:libmissing.so.1'] },
  { name: 'tool', version: '1.0-r0' },
  { name: 'legacy', version: '2.0-r0', noDatahash: true },
  { name: 'ncurses-libs', version: '6.4_p20240420-r0', provides: ['so:libncursesw.so.6=6.4'] },
];

export const COMMUNITY: FixturePkg[] = [
  { name: 'tool', version: '1.1-r0' },
  { name: 'sudo', version: '1.9.15_p5-r0', provides: ['cmd:sudo'] },
  { name: 'doas-sudo-shim', version: '0.1.1-r0', depends: ['!sudo'], provides: ['cmd:sudo=0.1.1-r0'] },
  { name: 'htop', version: '3.3.0-r0', depends: ['so:libncursesw.so.6'] },
];

export interface FixtureTree {
  root: string;
  main: BuiltPkg[];
  community: BuiltPkg[];
  /** A distro data file pointing at `mirrorUrl` (the loopback server's URL). */
  distro(mirrorUrl: string): DistroData;
}

export async function buildFixtureTree(): Promise<FixtureTree> {
  const root = await mkdtemp(join(tmpdir(), 'rg-apk-fixture-'));
  const trusted = await fixtureKey(TRUSTED_KEY, 'RSA');
  const trusted256 = await fixtureKey(TRUSTED_KEY, 'RSA256');
  const untrusted = await fixtureKey(UNTRUSTED_KEY, 'RSA');
  const base = join(root, 'alpine', 'v3.20');
  const main = await writeRepo(join(base, 'main', 'x86_64'), MAIN, trusted, trusted);
  // community's index is signed with RSA256 (SHA-256), main's with RSA (SHA-1): both must verify.
  const community = await writeRepo(join(base, 'community', 'x86_64'), COMMUNITY, trusted256, trusted);
  await writeRepo(join(base, 'badsig', 'x86_64'), [{ name: 'evil', version: '1.0-r0' }], untrusted, untrusted);
  await writeRepo(join(base, 'unsigned', 'x86_64'), [{ name: 'homemade', version: '0.1-r0' }], undefined, undefined);
  await writeRepo(join(root, 'custom', 'x86_64'), [{ name: 'homemade', version: '0.2-r0' }], undefined, undefined);
  // "tampered": main's signature segment in front of another index body.
  const good = await readFile(join(base, 'main', 'x86_64', 'APKINDEX.tar.gz'));
  const sigLen = good.length - buildIndex(main, undefined).length;
  const other = buildIndex(main.slice(1), undefined);
  await mkdir(join(base, 'tampered', 'x86_64'), { recursive: true });
  await writeFile(join(base, 'tampered', 'x86_64', 'APKINDEX.tar.gz'), Buffer.concat([good.subarray(0, sigLen), other]));
  return {
    root,
    main,
    community,
    distro: (mirrorUrl) => ({
      family: 'apk',
      name: 'alpine',
      releases: ['3.19', '3.20', 'edge'],
      architectures: ['x86_64', 'aarch64'],
      mirror: `${mirrorUrl}/alpine/`,
      branch: 'v{release}',
      branches: { edge: 'edge' },
      repositories: ['main', 'community'],
      knownRepositories: ['main', 'community', 'badsig', 'unsigned', 'tampered'],
      keys: [join(FIXTURE_KEYS, TRUSTED_KEY)],
      base: 'alpine-base',
      retention: 'latest build only: keep the locked artifacts in your own store',
    }),
  };
}

/**
 * The real Ubuntu jammy install-medium index (../shared/real-metadata/ubuntu): signed Release +
 * Release.gpg (no InRelease), Packages.gz, Ubuntu's archive keys shipped in distros/. Served on
 * loopback and locked through the whole pipeline.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { parsePackages } from '../../../src/families/apt/packages.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

const ISO = fileURLToPath(new URL('../../../../shared/real-metadata/ubuntu/jammy-iso', import.meta.url));
const UBUNTU_CDIMAGE_2012 = '843938DF228D22F7B3742BC0D94AA3F0EFE21092';

let m: Mirror;
let status: string;
beforeAll(async () => {
  m = await startMirror({ root: ISO });
  // A base that holds what this 96-package medium leaves out (libc6, debconf, an awk).
  status = join(await mkdtemp(join(tmpdir(), 'rg-jammy-')), 'status');
  await writeFile(status, ['libc6 2.35-0ubuntu3.1', 'libpopt0 1.18-3build1', 'debconf 1.5.79ubuntu1', 'mawk 1.3.4.20200120-3'].map((l) => {
    const [n, v] = l.split(' ');
    return `Package: ${n}\nStatus: install ok installed\nPriority: required\nArchitecture: amd64\nVersion: ${v}\n${n === 'mawk' ? 'Provides: awk\n' : ''}${n === 'debconf' ? 'Provides: debconf-2.0\n' : ''}`;
  }).join('\n'));
});
afterAll(async () => m?.close());

function spec(pkgs: string[]): Spec {
  return {
    dir: '/tmp', distro: 'ubuntu:jammy', snapshot: '2023-03-01T00:00:00Z', architectures: ['amd64'], suites: ['jammy'], components: ['main', 'restricted'],
    mirrors: [{ url: `${m.url}/` }], keyrings: [], repos: [], installed: status, packages: pkgs.map((p) => parsePackageRequest(p) as never),
  };
}

describe('real Ubuntu jammy index', () => {
  it('parses every stanza of main amd64', () => {
    const text = gunzipSync(readFileSync(join(ISO, 'dists/jammy/main/binary-amd64/Packages.gz'))).toString('utf8');
    const pkgs = parsePackages(text, 'ubuntu/jammy', 'Packages');
    expect(pkgs).toHaveLength(96);
    expect(pkgs.every((p) => /^[0-9a-f]{64}$/.test(p.sha256 ?? '') && p.filename?.startsWith('pool/'))).toBe(true);
  });

  it('locks through Release + Release.gpg verified with the Ubuntu keys', async () => {
    const l = await lock(spec(['intel-microcode', 'efibootmgr']), { cacheDir: await mkdtemp(join(tmpdir(), 'rg-jammy-c-')), now: new Date('2026-01-01T00:00:00Z') });
    expect(l.sources[0].metadata).toMatchObject({ path: 'dists/jammy/Release', signedBy: [UBUNTU_CDIMAGE_2012], date: '2022-04-21T17:16:08Z' });
    expect(l.sources[0].indexes.map((i) => i.path)).toEqual(['dists/jammy/main/binary-amd64/Packages.gz', 'dists/jammy/restricted/binary-amd64/Packages.gz']);
    expect(l.packages.map((p) => p.name)).toEqual(['efibootmgr', 'intel-microcode', 'iucode-tool', 'libefiboot1', 'libefivar1']);
    expect(l.packages[0].url).toBe('https://snapshot.ubuntu.com/ubuntu/20230301T000000Z/pool/main/e/efibootmgr/efibootmgr_17-1ubuntu2_amd64.deb');
  });

  it('names the chain when the medium lacks a dependency', async () => {
    const s = spec(['intel-microcode']);
    s.installed = join(status, '..', 'empty-status');
    await writeFile(s.installed, '');
    await expect(lock(s, { cacheDir: await mkdtemp(join(tmpdir(), 'rg-jammy-c-')), now: new Date('2026-01-01T00:00:00Z') })).rejects.toThrow(/intel-microcode → iucode-tool \(>= 1\.0\) → libc6 \(>= 2\.34\): not installable/);
  });

  it('says so when the default base itself cannot be installed from the suites', async () => {
    const s = spec(['intel-microcode']);
    s.installed = undefined;
    await expect(lock(s, { cacheDir: await mkdtemp(join(tmpdir(), 'rg-jammy-c-')), now: new Date('2026-01-01T00:00:00Z') })).rejects.toThrow(/default base system .* cannot be installed from these suites: base-files → awk/);
  });
});

/**
 * End-to-end `lock` for dnf over the fixture repositories served on loopback: lockfile content and
 * determinism, Fedora's URLs (release tree, build store, archive), signatures, checksums, the cache,
 * and the errors a user can meet.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import type { ReproError } from '../../../src/core/errors.js';
import { parseLockfile } from '../../../src/core/lockfile/read.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REPOS = here('../../../fixtures/dnf/repos');
const KEY = here('../../../fixtures/keys/fixture-archive.pub.asc');
const FPR = 'A872A0C632CBE99286444DFA6852ECE938254899';
const NOW = new Date('2026-01-01T00:00:00Z');

let m: Mirror;
beforeAll(async () => {
  m = await startMirror({ root: REPOS });
});
afterAll(async () => m?.close());

const tmp = () => mkdtempSync(join(tmpdir(), 'rg-dnf-lock-'));

function spec(pkgs: string[], o: Partial<Spec> = {}, ids = ['base', 'updates', 'extra']): Spec {
  return {
    dir: '/tmp',
    distro: 'rpm',
    architectures: ['x86_64'],
    mirrors: [],
    keyrings: [],
    repos: ids.map((id) => ({ id, url: `${m.url}/${id}/`, untrusted: false, keyrings: [KEY] })),
    packages: pkgs.map((p) => parsePackageRequest(p) as never),
    ...o,
  };
}

async function failure(p: Promise<unknown>): Promise<ReproError> {
  try {
    await p;
  } catch (e) {
    return e as ReproError;
  }
  throw new Error('expected the lock to fail');
}

describe('dnf lock over the fixture repositories', () => {
  it('locks the closure with URLs, hashes, edges and signed sources', async () => {
    const l = await lock(spec(['app-ver', 'app-file', 'app-weak']), { cacheDir: tmp(), now: NOW });
    expect(l.family).toBe('dnf');
    expect(l.architectures).toEqual(['x86_64']);
    expect(l.snapshot).toBe('2025-03-01T00:00:00Z'); // repomd timestamps (createrepo_c --revision)
    expect(l.options).toEqual({ installRecommends: true, base: 'none' });
    expect(l.sources.map((s) => [s.id, s.metadata.path, s.metadata.signedBy])).toEqual([
      ['base', 'repodata/repomd.xml', [FPR]],
      ['updates', 'repodata/repomd.xml', [FPR]],
      ['extra', 'repodata/repomd.xml', [FPR]],
    ]);
    expect(l.sources.map((s) => s.indexes[0].path.replace(/^repodata\/[0-9a-f]{64}-/, ''))).toEqual(['primary.xml.gz', 'primary.xml.xz', 'primary.xml.zst']);
    const libv = l.packages.find((p) => p.name === 'libv')!;
    expect(libv).toMatchObject({
      version: '3.1-1',
      arch: 'x86_64',
      source: 'updates',
      filename: 'Packages/libv-3.1-1.x86_64.rpm',
      url: `${m.url}/updates/Packages/libv-3.1-1.x86_64.rpm`,
      requested: false,
      pulledInBy: ['app-ver'],
    });
    expect(l.packages.find((p) => p.name === 'app-ver')).toMatchObject({ requested: true, depends: ['libv'] });
    expect(l.packages.find((p) => p.name === 'weak-sup')).toMatchObject({ pulledInBy: ['app-weak'] });
    expect(l.packages.find((p) => p.name === 'app-weak')?.depends).toEqual(['weak-rec', 'weak-sup']);
  });

  it('is byte-identical across runs; a warm lock fetches only repomd.xml (an unchanged one is re-verified with its cached signature)', async () => {
    const cacheDir = tmp();
    const a = serializeLockfile(await lock(spec(['app-ver', 'tver', 'app-32']), { cacheDir, now: NOW }));
    const before = m.requests.length;
    const b = serializeLockfile(await lock(spec(['app-ver', 'tver', 'app-32']), { cacheDir, now: NOW }));
    expect(b).toBe(a);
    expect(parseLockfile(a, 'x.lock').packages.map((p) => `${p.name}-${p.version}.${p.arch}`)).toEqual([
      'app-32-1.0-1.x86_64',
      'app-ver-1.0-1.x86_64',
      'libv-3.1-1.x86_64',
      'only32-1.0-1.i686',
      'tver-1.0^git1-1.noarch',
    ]);
    expect(new Set(m.requests.slice(before).map((r) => r.path.replace(/^\/\w+\//, '')))).toEqual(new Set(['repodata/repomd.xml']));
  });

  it('re-resolves offline with the recorded roots (lock --check): repomd.xml and its signature from the cache', async () => {
    const cacheDir = tmp();
    const first = await lock(spec(['app-ver']), { cacheDir, now: NOW });
    const pinnedRoots = new Map(first.sources.map((s) => [s.id, s.metadata.sha256]));
    m.fault((p) => p.includes('/repodata/'), { kind: 'status', status: 503 });
    try {
      const before = m.requests.length;
      const again = await lock(spec(['app-ver']), { cacheDir, now: NOW, pinnedRoots, retries: 0 });
      expect(serializeLockfile(again)).toBe(serializeLockfile(first));
      expect(m.requests.length).toBe(before);
    } finally {
      m.clearFaults();
    }
  });

  it('gives Fedora packages their permanent URLs: the release tree, the build store for updates, the archive', async () => {
    const s = spec(['app-ver'], {
      distro: 'fedora:40',
      repos: [],
      keyrings: [KEY],
      mirrors: [
        { archive: 'fedora', url: `${m.url}/base/` },
        { archive: 'updates', url: `${m.url}/updates/` },
      ],
    });
    // Fedora does not sign repomd.xml: the fixture's signature is neither needed nor fetched.
    const before = m.requests.length;
    const l = await lock(s, { cacheDir: tmp(), now: NOW });
    expect(m.requests.slice(before).some((r) => r.path.endsWith('.asc'))).toBe(false);
    expect(l.sources.map((s) => [s.id, s.url, s.mirror, s.metadata.signedBy])).toEqual([
      ['fedora', 'https://dl.fedoraproject.org/pub/fedora/linux/releases/40/Everything/x86_64/os/', `${m.url}/base/`, []],
      ['updates', 'https://dl.fedoraproject.org/pub/fedora/linux/updates/40/Everything/x86_64/', `${m.url}/updates/`, []],
    ]);
    expect(l.packages.find((p) => p.name === 'app-ver')).toMatchObject({
      url: 'https://dl.fedoraproject.org/pub/fedora/linux/releases/40/Everything/x86_64/os/Packages/app-ver-1.0-1.x86_64.rpm',
      mirror: `${m.url}/base/Packages/app-ver-1.0-1.x86_64.rpm`,
      fallbacks: [
        'https://kojipkgs.fedoraproject.org/packages/app-ver/1.0/1/x86_64/app-ver-1.0-1.x86_64.rpm',
        'https://archives.fedoraproject.org/pub/archive/fedora/linux/releases/40/Everything/x86_64/os/Packages/app-ver-1.0-1.x86_64.rpm',
      ],
    });
    expect(l.packages.find((p) => p.name === 'libv')).toMatchObject({
      source: 'updates',
      url: 'https://kojipkgs.fedoraproject.org/packages/libv/3.1/1/x86_64/libv-3.1-1.x86_64.rpm',
      mirror: `${m.url}/updates/Packages/libv-3.1-1.x86_64.rpm`,
      fallbacks: [
        'https://dl.fedoraproject.org/pub/fedora/linux/updates/40/Everything/x86_64/Packages/libv-3.1-1.x86_64.rpm',
        'https://archives.fedoraproject.org/pub/archive/fedora/linux/updates/40/Everything/x86_64/Packages/libv-3.1-1.x86_64.rpm',
      ],
    });
  });

  it('honours --no-weak-deps, pins, name:arch and an installed base (rpm -qa listing)', async () => {
    const dir = tmp();
    const installed = join(dir, 'rpm-qa.txt');
    writeFileSync(installed, 'gpg-pubkey (none):38254899-67c25c00 (none)\nlibv (none):1.0-1 x86_64\nweak-rec (none):1.0-1 noarch\n'.replace('(none)\n', 'noarch\n'));
    const l = await lock(spec(['app-weak', 'libv=2.0', 'libm:i686'], { installRecommends: false, installed }), { cacheDir: tmp(), now: NOW });
    expect(l.options).toEqual({ installRecommends: false, base: expect.stringMatching(/^installed:sha256:[0-9a-f]{64}$/) });
    expect(l.assumedInstalled).toEqual(['libv=1.0-1', 'weak-rec=1.0-1']);
    expect(l.packages.map((p) => `${p.name}-${p.version}.${p.arch}`)).toEqual(['app-weak-1.0-1.noarch', 'libm-1.0-1.i686', 'libv-2.0-1.x86_64']);
  });

  it('refuses a repository signed by an untrusted key, or not signed, unless marked untrusted', async () => {
    const bad = await failure(lock(spec(['unsigned-ish'], {}, ['badsig']), { cacheDir: tmp(), now: NOW }));
    expect(bad.code).toBe('SIGNATURE');
    expect(bad.message).toMatch(/badsig\/repodata\/repomd\.xml: no valid signature from a trusted key.*8FF00051A4FE17D1/);
    m.fault((p) => p === '/base/repodata/repomd.xml.asc', { kind: 'status', status: 404 });
    try {
      const unsigned = await failure(lock(spec(['app-or'], {}, ['base']), { cacheDir: tmp(), now: NOW }));
      expect(unsigned.code).toBe('SIGNATURE');
      expect(unsigned.message).toMatch(/base: the repository has no signature for its metadata/);
      expect(unsigned.hint).toMatch(/untrusted: true/);
      const s = spec(['app-or'], {}, ['base']);
      s.repos[0].untrusted = true;
      const l = await lock(s, { cacheDir: tmp(), now: NOW });
      expect(l.sources[0].metadata.signedBy).toEqual([]);
    } finally {
      m.clearFaults();
    }
  });

  it('refuses a primary that does not match repomd.xml, naming the file, expected and actual', async () => {
    m.fault((p) => p.startsWith('/base/repodata/') && p.endsWith('primary.xml.gz'), { kind: 'flip', offset: 200 });
    try {
      const e = await failure(lock(spec(['app-or'], {}, ['base']), { cacheDir: tmp(), now: NOW }));
      expect(e.code).toBe('HASH');
      expect(e.message).toMatch(/primary\.xml\.gz/);
      expect(e.message).toMatch(/[0-9a-f]{64}.*[0-9a-f]{64}/s);
    } finally {
      m.clearFaults();
    }
  });

  it('checks the decompressed primary against the open-checksum', async () => {
    // An unsigned copy of the repository whose repomd.xml lies about the content only.
    const { readFileSync } = await import('node:fs');
    const repomd = readFileSync(join(REPOS, 'base/repodata/repomd.xml'), 'utf8');
    const open = /<data type="primary">[\s\S]*?<open-checksum type="sha256">([0-9a-f]{64})/.exec(repomd)![1];
    m.fault('/base/repodata/repomd.xml', { kind: 'replace', body: repomd.replace(open, 'f'.repeat(64)) });
    try {
      const s = spec(['app-or'], {}, ['base']);
      s.repos[0].untrusted = true;
      const e = await failure(lock(s, { cacheDir: tmp(), now: NOW }));
      expect(e.code).toBe('HASH');
      expect(e.message).toContain(`open-checksum: expected ${'f'.repeat(64)}`);
      expect(e.message).toContain(`got ${open}`);
    } finally {
      m.clearFaults();
    }
  });

  it('names unknown packages with close names, and lists the versions a pin could take', async () => {
    const e = await failure(lock(spec(['app-vre']), { cacheDir: tmp(), now: NOW }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/^no package app-vre in the repositories; did you mean app-or, app-ver\?$/);
    const v = await failure(lock(spec(['libv=9.9']), { cacheDir: tmp(), now: NOW }));
    expect(v.code).toBe('NO_VERSION');
    expect(v.message).toBe('libv has no version 9.9; available: 1.0-1, 2.0-1, 3.0-1, 3.1-1.');
  });

  it('explains an unsatisfiable requirement with the chain from the request', async () => {
    const e = await failure(lock(spec(['chain-a']), { cacheDir: tmp(), now: NOW }));
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toBe(
      'cannot install chain-a: chain-c-1.0-1.noarch requires does-not-exist(1), which no package in the repositories provides (chain-a → chain-b → chain-c → does-not-exist(1)).',
    );
    expect(e.detail?.chain).toEqual(['chain-a', 'chain-b', 'chain-c', 'does-not-exist(1)']);
    const c = await failure(lock(spec(['app-conf', 'conf-a']), { cacheDir: tmp(), now: NOW }));
    expect(c.code).toBe('UNSATISFIABLE');
    expect(c.message).toMatch(/conf-a-1\.0-1\.noarch conflicts with app-conf-1\.0-1\.noarch/);
  });

  it('refuses malformed base listings and metadata newer than the snapshot', async () => {
    const dir = tmp();
    const installed = join(dir, 'rpm-qa.txt');
    writeFileSync(installed, 'libv 0:1.0-1 x86_64\nlibv 1.0 x86_64\n');
    const e = await failure(lock(spec(['app-or'], { installed }), { cacheDir: tmp(), now: NOW }));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toMatch(/rpm-qa\.txt:2: expected "NAME EPOCH:VERSION-RELEASE ARCH"/);
    const s = await failure(lock(spec(['app-or'], { snapshot: '2025-01-01T00:00:00Z' }), { cacheDir: tmp(), now: NOW }));
    expect(s.message).toMatch(/composed at 2025-03-01T00:00:00Z, after the snapshot time 2025-01-01T00:00:00Z/);
  });
});

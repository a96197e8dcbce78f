/**
 * End-to-end `lock` for apt over the signed fixture archive served on loopback: the lockfile's
 * content, determinism, the metadata cache, and every error a user can meet.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parseLockfile } from '../../../src/core/lockfile/read.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import type { ReproError } from '../../../src/core/errors.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REPO = here('../../../fixtures/apt/repo');
const KEY = here('../../../fixtures/keys/fixture-archive.pub.asc');
const FIXTURE_FPR = 'A872A0C632CBE99286444DFA6852ECE938254899';
const NOW = new Date('2026-01-01T00:00:00Z');

let m: Mirror;
beforeAll(async () => {
  m = await startMirror({ root: REPO });
});
afterAll(async () => m?.close());

function spec(pkgs: string[], o: Partial<Spec> = {}): Spec {
  return {
    dir: '/tmp',
    distro: 'debian:bookworm',
    snapshot: '2025-05-20T00:00:00Z',
    architectures: ['amd64'],
    mirrors: [{ url: `${m.url}/debian/` }, { archive: 'debian-security', url: `${m.url}/debian-security/` }],
    keyrings: [KEY],
    repos: [],
    packages: pkgs.map((p) => parsePackageRequest(p) as never),
    ...o,
  };
}

async function cacheDir() {
  return mkdtemp(join(tmpdir(), 'rg-lock-cache-'));
}

async function failure(p: Promise<unknown>): Promise<ReproError> {
  try {
    await p;
  } catch (e) {
    return e as ReproError;
  }
  throw new Error('expected the lock to fail');
}

const nameVersions = (l: { packages: { name: string; version: string }[] }) => l.packages.map((p) => `${p.name}=${p.version}`);

describe('apt lock over the fixture archive', () => {
  it('locks the closure with snapshot URLs, mirror URLs, hashes, edges and signed sources', async () => {
    const l = await lock(spec(['rg-webfetch', 'rg-tool']), { cacheDir: await cacheDir(), now: NOW });
    expect(nameVersions(l)).toEqual(['rg-data=1:2.1-1', 'rg-openssl=3.0.16-1~deb12u1', 'rg-tool=1:2.1-1', 'rg-webfetch=7.88.1-10+deb12u1']);
    const webfetch = l.packages.find((p) => p.name === 'rg-webfetch')!;
    expect(webfetch.source).toBe('debian/bookworm-updates');
    expect(webfetch.url).toBe(`https://snapshot.debian.org/archive/debian/20250520T000000Z/${webfetch.filename}`);
    expect(webfetch.mirror).toBe(`${m.url}/debian/${webfetch.filename}`);
    expect(webfetch.requested).toBe(true);
    expect(webfetch.depends).toContain('rg-openssl');
    const ssl = l.packages.find((p) => p.name === 'rg-openssl')!;
    expect(ssl.source).toBe('debian-security/bookworm-security');
    expect(ssl.url.startsWith('https://snapshot.debian.org/archive/debian-security/20250520T000000Z/pool/updates/main/')).toBe(true);
    expect(ssl.pulledInBy).toEqual(['rg-webfetch']);
    expect(ssl.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(l.sources.map((s) => s.id)).toEqual(['debian/bookworm', 'debian/bookworm-updates', 'debian-security/bookworm-security']);
    for (const s of l.sources) {
      expect(s.metadata.signedBy).toEqual([FIXTURE_FPR]);
      expect(s.metadata.validUntilIgnored).toBe(true);
      expect(s.metadata.path).toBe(`dists/${s.id.split('/')[1]}/InRelease`);
    }
    expect(l.assumedInstalled).toEqual(['librgcore1=1.4.2-3', 'rg-base-files=12.4+deb12u11', 'rg-coreutils=9.1-1', 'rg-tzdata=2025b-0+deb12u1']);
    expect(l.options).toEqual({ installRecommends: false, base: 'default' });
    // the canonical text parses back to the same value
    expect(serializeLockfile(parseLockfile(serializeLockfile(l), 'x'))).toBe(serializeLockfile(l));
  });

  it('a warm lock reads parsed indexes from the cache; a damaged one is parsed again from the verified index', async () => {
    const c1 = await cacheDir();
    const a = serializeLockfile(await lock(spec(['rg-mailutils', 'rg-webfetch']), { cacheDir: c1, now: NOW }));
    const aliases = join(c1, 'alias', 'apt-parsed-index-1');
    const keys = await readdir(aliases);
    expect(keys.length).toBeGreaterThanOrEqual(3); // one per Packages index
    for (const k of keys) {
      const entry = join(c1, 'sha256', (await readFile(join(aliases, k), 'utf8')).trim());
      const bytes = await readFile(entry);
      bytes[bytes.length - 2] ^= 1;
      await writeFile(entry, bytes);
    }
    expect(serializeLockfile(await lock(spec(['rg-mailutils', 'rg-webfetch']), { cacheDir: c1, now: NOW }))).toBe(a);
    // re-parsed and stored again: the next warm lock reads intact entries
    expect(serializeLockfile(await lock(spec(['rg-mailutils', 'rg-webfetch']), { cacheDir: c1, now: NOW }))).toBe(a);
  });

  it('is byte-identical across runs and caches; a warm lock downloads only the signed roots', async () => {
    const c1 = await cacheDir();
    const a = serializeLockfile(await lock(spec(['rg-mailutils', 'rg-json-cli']), { cacheDir: c1, now: NOW }));
    const before = m.requests.length;
    const b = serializeLockfile(await lock(spec(['rg-mailutils', 'rg-json-cli']), { cacheDir: c1, now: NOW }));
    const warm = m.requests.slice(before).map((r) => r.path);
    expect(warm.every((p) => p.endsWith('/InRelease'))).toBe(true);
    expect(warm).toHaveLength(3);
    const c = serializeLockfile(await lock(spec(['rg-mailutils', 'rg-json-cli']), { cacheDir: await cacheDir(), now: new Date('2027-06-01T00:00:00Z') }));
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a).toContain('name: rg-eximish');
  });

  it('honours --install-recommends, pins, several architectures and an installed status file', async () => {
    const rec = await lock(spec(['rg-tool'], { installRecommends: true }), { cacheDir: await cacheDir(), now: NOW });
    expect(nameVersions(rec)).toContain('rg-tool-doc=1:2.1-1');
    const pinned = await lock(spec(['rg-legacy-app', 'rg-runtime=1.0-1']), { cacheDir: await cacheDir(), now: NOW });
    expect(nameVersions(pinned)).toEqual(['rg-legacy-app=0.5-1', 'rg-runtime=1.0-1']);
    const only = await lock(spec(['rg-webfetch'], { suites: ['bookworm'] }), { cacheDir: await cacheDir(), now: NOW });
    expect(nameVersions(only)).toEqual(['rg-openssl=3.0.15-1~deb12u1', 'rg-webfetch=7.88.1-10']);
    const inst = await lock(spec(['rg-tool'], { installed: here('../../../fixtures/apt/status-base') }), { cacheDir: await cacheDir(), now: NOW });
    expect(inst.options.base).toMatch(/^installed:sha256:[0-9a-f]{64}$/);
    expect(nameVersions(inst)).toEqual(['rg-data=1:2.1-1', 'rg-tool=1:2.1-1']);
  });

  it('without --snapshot, a mirror lock takes the newest signed Release date', async () => {
    const l = await lock(spec(['rg-tool'], { snapshot: undefined }), { cacheDir: await cacheDir(), now: new Date('2025-05-21T00:00:00Z') });
    expect(l.snapshot).toBe('2025-05-19T20:14:27Z');
    expect(l.packages[0].url).toContain('/archive/debian/20250519T201427Z/');
  });

  it('refuses an expired Release from a live mirror (no --snapshot): a freeze attack', async () => {
    const e = await failure(lock(spec(['rg-tool'], { snapshot: undefined }), { cacheDir: await cacheDir(), now: NOW }));
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toMatch(/expired at 2025-05-24T09:12:00Z \(Valid-Until\)/);
  });

  it.each([
    [['rg-nosuch'], 'NOT_FOUND', /rg-nosuch/],
    [['rg-tol'], 'NOT_FOUND', /rg-tool/],
    [['rg-runtime=9.9-1'], 'NO_VERSION', /1\.0-1.*2\.0-1|2\.0-1.*1\.0-1/],
    [['rg-orphan-app'], 'UNSATISFIABLE', /rg-orphan-app.*rg-helper.*rg-does-not-exist/s],
    [['rg-syslogd', 'rg-journal'], 'CONFLICT|UNSATISFIABLE', /rg-syslogd|rg-journal/],
  ])('%j fails with %s and an actionable message', async (pkgs, code, re) => {
    const e = await failure(lock(spec(pkgs), { cacheDir: await cacheDir(), now: NOW }));
    expect(e.code).toMatch(new RegExp(`^(${code})$`));
    expect(e.message).toMatch(re);
  });

  it('refuses a suite signed by an untrusted key', async () => {
    const e = await failure(lock(spec(['rg-tool'], { suites: ['bookworm-badsig'] }), { cacheDir: await cacheDir(), now: NOW }));
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toMatch(/InRelease: no valid signature from a trusted key/);
    expect(e.message).toContain('02D36E8FEB12D79057DE2B528FF00051A4FE17D1'.slice(-16));
  });

  it('refuses a Packages.xz that does not match the signed Release, naming file, expected and actual', async () => {
    m.fault((p) => p.includes('/debian/dists/bookworm/main/binary-amd64/'), { kind: 'flip', offset: 100 });
    try {
      const e = await failure(lock(spec(['rg-tool']), { cacheDir: await cacheDir(), now: NOW, retries: 0 }));
      expect(e.code).toBe('HASH');
      expect(e.message).toMatch(/debian\/bookworm: dists\/bookworm\/main\/binary-amd64\/Packages\.xz: sha256 mismatch/);
      expect(e.message).toMatch(/expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    } finally {
      m.clearFaults();
    }
  });

  it('falls back from InRelease to Release + Release.gpg', async () => {
    m.fault((p) => p.endsWith('/InRelease'), { kind: 'status', status: 404 });
    try {
      const l = await lock(spec(['rg-tool']), { cacheDir: await cacheDir(), now: NOW });
      expect(l.sources.map((s) => s.metadata.path)).toEqual(['dists/bookworm/Release', 'dists/bookworm-updates/Release', 'dists/bookworm-security/Release']);
      expect(l.sources[0].metadata.signedBy).toEqual([FIXTURE_FPR]);
    } finally {
      m.clearFaults();
    }
  });

  it('retries a flaky mirror, and names every URL tried when it stays down', async () => {
    m.fault((p) => p.endsWith('/bookworm/InRelease'), { kind: 'status', status: 503, times: 2 });
    try {
      const l = await lock(spec(['rg-tool']), { cacheDir: await cacheDir(), now: NOW, backoffMs: 1 });
      expect(l.packages.length).toBe(2);
    } finally {
      m.clearFaults();
    }
    m.fault((p) => p.endsWith('/bookworm/InRelease') || p.endsWith('/bookworm/Release'), { kind: 'status', status: 500 });
    try {
      const e = await failure(lock(spec(['rg-tool']), { cacheDir: await cacheDir(), now: NOW, retries: 1, backoffMs: 1 }));
      expect(e.code).toBe('NETWORK');
      expect(e.message).toContain(`${m.url}/debian/dists/bookworm/InRelease: HTTP 500`);
      expect(e.message).toContain('https://snapshot.debian.org/archive/debian/20250520T000000Z/dists/bookworm/InRelease');
    } finally {
      m.clearFaults();
    }
  });

  it('refuses a Release served for another suite (mix-and-match)', async () => {
    m.fault((p) => p === '/debian/dists/bookworm-updates/InRelease', { kind: 'redirect', location: '/debian/dists/bookworm/InRelease' });
    try {
      const e = await failure(lock(spec(['rg-tool']), { cacheDir: await cacheDir(), now: NOW }));
      expect(e.message).toMatch(/signed Release is for .*bookworm.*not for the requested suite bookworm-updates/);
    } finally {
      m.clearFaults();
    }
  });
});

/**
 * Hostile apt metadata, content and transport side: Packages entries whose Filename escapes the
 * pool, a decompression bomb behind a validly signed Release, a 100 MB line, endless data, slow
 * retrieval past the total timeout, redirect loops and redirects to another host. The signatures
 * here are all genuine (the fixture key): what is tested is what repro-get does with signed but
 * hostile content, and with a transport that misbehaves.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { aptSpec, copyFixtureRepo, expectClear, expectCleanCache, failure, fixturePackages, LIVE_NOW, readSecret, scratch, tinyServer, writeSignedSuite } from './harness.js';

/** Every lock here is live (mirror only, see LIVE_NOW): a failing mirror must not fall back to a public host. */
const live = (url: string) => aptSpec(url, ['rg-tool'], { snapshot: undefined });

let repo: string;
let m: Mirror;
let key: openpgp.PrivateKey;
let packages: string;
const RELEASE_DATE = new Date('2025-05-17T09:12:00Z');

beforeAll(async () => {
  repo = await copyFixtureRepo();
  m = await startMirror({ root: repo });
  key = await readSecret();
  packages = await fixturePackages();
});
afterAll(async () => m?.close());

/** Serves a doctored, validly signed bookworm from dists/<name> in place of the real one. */
async function doctored(name: string, files: Parameters<typeof writeSignedSuite>[1]['files']): Promise<void> {
  await writeSignedSuite(join(repo, 'debian/dists', name), { date: RELEASE_DATE, files }, key);
  m.clearFaults();
  for (const f of ['InRelease', 'Release', 'Release.gpg', ...Object.keys(files)]) {
    m.fault(`/debian/dists/bookworm/${f}`, { kind: 'redirect', location: `/debian/dists/${name}/${f}` });
  }
}

/** rg-tool's stanza with its Filename replaced. */
function withFilename(filename: string): string {
  return packages.replace(/^(Package: rg-tool\n(?:(?!Filename:).*\n)*?)Filename: .*$/m, `$1Filename: ${filename}`);
}

describe('Filename escaping the pool', () => {
  it.each([
    ['../../../etc/passwd'],
    ['pool/main/r/../../../../../etc/shadow'],
    ['/etc/passwd'],
    ['pool/main/r/rg-tool\0.deb'],
  ])('%j: the lock refuses the index, naming the file and the package', async (bad) => {
    const text = withFilename(bad);
    expect(text).not.toBe(packages);
    await doctored('bookworm-escape', { 'main/binary-amd64/Packages': Buffer.from(text) });
    try {
      const cache = await scratch();
      const e = await failure(lock(live(m.url), { cacheDir: cache, now: LIVE_NOW }));
      expectClear(e, /^(FORMAT|LOCKFILE)$/, 'rg-tool', /Filename|filename/, 'dists/bookworm/main/binary-amd64/Packages');
      await expectCleanCache(cache);
    } finally {
      m.clearFaults();
    }
  });
});

describe('a decompression bomb behind a validly signed Release', () => {
  // 16 MiB of zeros compress to a few KiB; the signed Release claims a huge uncompressed size, so
  // only the ratio bound (output ≤ 200 × input, at least 1 MiB) stands between us and the bomb.
  const ZEROS = Buffer.alloc(16 << 20);
  it.each([
    ['Packages.gz', () => gzipSync(ZEROS, { level: 9 })],
    ['Packages.xz', () => execFileSync('xz', ['-0', '-c'], { input: ZEROS, maxBuffer: 1 << 20 })],
  ])('%s: refused with a LIMIT error naming the index', async (name, make) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(ZEROS.length / 200);
    await doctored('bookworm-bomb', {
      [`main/binary-amd64/${name}`]: bomb,
      'main/binary-amd64/Packages': { sha256: '0'.repeat(64), size: 50 * 2 ** 30 },
    });
    try {
      const cache = await scratch();
      const e = await failure(lock(live(m.url), { cacheDir: cache, now: LIVE_NOW }));
      expectClear(e, 'LIMIT', `dists/bookworm/main/binary-amd64/${name}`, /decompress/, /bomb/);
      await expectCleanCache(cache);
    } finally {
      m.clearFaults();
    }
  });
});

describe('a huge line or field', () => {
  it('a signed Packages with a 100 MB line: refused with a LIMIT error naming file and line', async () => {
    const huge = Buffer.concat([Buffer.from(packages), Buffer.from('\nPackage: rg-huge\nVersion: 1\nArchitecture: all\nDescription: '), Buffer.alloc(100_000_000, 'a'), Buffer.from('\n')]);
    await doctored('bookworm-huge', { 'main/binary-amd64/Packages': huge });
    try {
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW }));
      expectClear(e, 'LIMIT', 'dists/bookworm/main/binary-amd64/Packages', /:\d+: line of 1000\d+ characters exceeds the limit/);
    } finally {
      m.clearFaults();
    }
  });

  it('an InRelease larger than the signed-root limit (64 MiB) is cut off while streaming', async () => {
    const big = join(repo, 'debian/dists/bookworm-bigroot');
    await writeSignedSuite(big, { date: RELEASE_DATE, files: {} }, key);
    await writeFile(join(big, 'InRelease'), Buffer.alloc(65 << 20, 'A'));
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: '/debian/dists/bookworm-bigroot/InRelease' });
    m.fault('/debian/dists/bookworm/Release', { kind: 'status', status: 404 });
    try {
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW, retries: 0 }));
      expectClear(e, 'NETWORK', 'dists/bookworm/InRelease', `${m.url}/debian/dists/bookworm/InRelease`, /more than the 67108864 allowed|exceeds 67108864/);
    } finally {
      m.clearFaults();
    }
  });
});

describe('transport faults on metadata', () => {
  it('endless data for InRelease and Packages.xz: cut off at the bound, the error names URL and cause', async () => {
    m.fault((p) => p.endsWith('/bookworm/InRelease') || p.endsWith('/bookworm/Release'), { kind: 'endless' });
    try {
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW, retries: 0 }));
      expectClear(e, 'NETWORK', `${m.url}/debian/dists/bookworm/InRelease: body exceeds 67108864 bytes`, `${m.url}/debian/dists/bookworm/Release: body exceeds`);
    } finally {
      m.clearFaults();
    }
    m.fault((p) => p.includes('/bookworm/main/binary-amd64/'), { kind: 'endless' });
    try {
      const cache = await scratch();
      const e = await failure(lock(live(m.url), { cacheDir: cache, now: LIVE_NOW, retries: 0 }));
      expectClear(e, 'HASH', 'dists/bookworm/main/binary-amd64/Packages.xz', /size mismatch/, /more than \d+/);
      await expectCleanCache(cache);
    } finally {
      m.clearFaults();
    }
  });

  it('503, 500 then success: retried, and the lock is the genuine one', async () => {
    const clean = await lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW });
    m.fault((p) => p.endsWith('/bookworm/InRelease'), { kind: 'status', status: 503, times: 1 });
    m.fault((p) => p.includes('/binary-amd64/'), { kind: 'status', status: 500, times: 1 });
    try {
      const l = await lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW, backoffMs: 1 });
      expect(l).toEqual(clean);
    } finally {
      m.clearFaults();
    }
  });

  it('a stall past the idle timeout and a trickle past the total timeout both end with a named URL', async () => {
    m.fault((p) => p.endsWith('/bookworm/InRelease') || p.endsWith('/bookworm/Release'), { kind: 'stall', ms: Infinity, headers: true });
    try {
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW, retries: 0, timeoutMs: 300 }));
      expectClear(e, 'NETWORK', `${m.url}/debian/dists/bookworm/InRelease`, /timeout|Timeout/);
    } finally {
      m.clearFaults();
    }
    // One byte every 50 ms never trips the idle timeout; only the whole-request bound stops it.
    const trickle = await tinyServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const t = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(t));
    });
    try {
      const e = await failure(lock(live(trickle.url), { cacheDir: await scratch(), now: LIVE_NOW, retries: 0, timeoutMs: 1000, totalTimeoutMs: 400 }));
      expectClear(e, 'NETWORK', `${trickle.url}/debian/dists/bookworm/InRelease`, /within 400 ms/);
    } finally {
      await trickle.close();
    }
  });

  it('a redirect loop is cut off; a redirect to another host is followed, and trust still comes only from the signature', async () => {
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: '/loop/a' });
    m.fault('/loop/a', { kind: 'redirect', location: '/debian/dists/bookworm/InRelease' });
    m.fault('/debian/dists/bookworm/Release', { kind: 'status', status: 404 });
    try {
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW, retries: 0 }));
      expectClear(e, 'NETWORK', `${m.url}/debian/dists/bookworm/InRelease`, /too many redirects/);
    } finally {
      m.clearFaults();
    }
    // Another host (another port on loopback) serving the genuine archive: followed, and the lock is the same.
    const other = await startMirror({ root: repo });
    const clean = await lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW });
    try {
      for (const f of ['InRelease', 'main/binary-amd64/Packages.xz']) m.fault(`/debian/dists/bookworm/${f}`, { kind: 'redirect', location: `${other.url}/debian/dists/bookworm/${f}` });
      const l = await lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW });
      expect(l).toEqual(clean);
      expect(other.requests.map((r) => r.path)).toContain('/debian/dists/bookworm/InRelease');
      // The other host answers with tampered bytes: refused by the signature, whatever the host.
      other.fault('/debian/dists/bookworm/InRelease', { kind: 'flip', offset: 200 });
      const e = await failure(lock(live(m.url), { cacheDir: await scratch(), now: LIVE_NOW }));
      expectClear(e, 'SIGNATURE', 'InRelease', /no valid signature|does not verify|cleartext|signed/);
    } finally {
      m.clearFaults();
      await other.close();
    }
  });
});

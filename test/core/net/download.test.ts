/**
 * The download pool against the loopback fixture mirror and its faults: every fault ends in either
 * the exact locked bytes or one clear error naming the package, each URL tried, and expected vs
 * actual digest/size; the cache never keeps a partial or unverified file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/core/net/cache.js';
import { artifactOf, candidateUrls, downloadArtifacts, mirrorsFrom, type Artifact, type DownloadOptions } from '../../../src/core/net/download.js';
import { ReproError } from '../../../src/core/errors.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { FIXTURE_REPO, fixtureLock } from '../../support/fixture-lock.js';

const PICKS = ['librgcore1', 'rg-coreutils', 'rg-tool', 'rg-data', 'rg-tool-doc', 'rg-codegen', 'rg-perlish', 'rg-tinyhttpd', 'rg-webapp', 'rg-tzdata'];

let mirror: Mirror;
let dir: string;
let cache: ContentCache;
let artifacts: Artifact[];

beforeAll(async () => {
  mirror = await startMirror({ root: FIXTURE_REPO });
});
afterAll(async () => {
  await mirror.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repro-get-download-'));
  cache = new ContentCache(join(dir, 'cache'));
  artifacts = fixtureLock(mirror.url, PICKS).packages.map(artifactOf);
  mirror.clearFaults();
  mirror.requests.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fast: Partial<DownloadOptions> = { retries: 2, backoffMs: 5, timeoutMs: 2000 };
const get = (list: Artifact[], o: Partial<DownloadOptions> = {}) => downloadArtifacts(list, { cache, ...fast, ...o });
const pathOf = (a: Artifact) => new URL(a.urls[a.urls.length - 1]).pathname;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<ReproError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected the download to fail').toBeInstanceOf(ReproError);
  return e as ReproError;
}

/** No partial file in the cache's tmp folder, and nothing stored under the failed digest. */
async function expectCacheClean(a?: Artifact): Promise<void> {
  const tmp = join(cache.dir, 'tmp');
  expect(existsSync(tmp) ? await readdir(tmp) : []).toEqual([]);
  if (a) expect(existsSync(cache.pathOf(a.sha256))).toBe(false);
}

describe('downloadArtifacts', () => {
  it('downloads every artifact, verified, into the cache, at most --jobs at a time', async () => {
    // Each answer waits 1.5 s: while the first ones wait, exactly `jobs` requests are in flight.
    mirror.fault(() => true, { kind: 'stall', ms: 1500 });
    const done = get(artifacts, { jobs: 4 });
    for (let t = 0; mirror.requests.length < 4 && t < 200; t++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(mirror.requests.length).toBe(4);
    const r = await done;
    expect(r.fetched).toBe(artifacts.length);
    expect(r.cached).toBe(0);
    for (const a of artifacts) {
      const data = await readFile(r.paths.get(a.sha256)!);
      expect(sha(data)).toBe(a.sha256);
      expect(data.length).toBe(a.size);
    }
    expect(mirror.requests.length).toBe(artifacts.length);
    await expectCacheClean();
  });

  it('makes no HTTP request at all with a warm cache', async () => {
    await get(artifacts);
    mirror.requests.length = 0;
    const r = await get(artifacts);
    expect(mirror.requests).toEqual([]);
    expect(r).toMatchObject({ fetched: 0, cached: artifacts.length });
  });

  it('replaces a corrupt cached file', async () => {
    await get(artifacts);
    const victim = artifacts[3];
    const p = cache.pathOf(victim.sha256);
    const good = await readFile(p);
    const bad = Buffer.from(good);
    bad[10] ^= 1;
    await writeFile(p, bad);
    mirror.requests.length = 0;
    const r = await get(artifacts);
    expect(mirror.requests.map((q) => q.path)).toEqual([pathOf(victim)]);
    expect(r.fetched).toBe(1);
    expect(await readFile(p)).toEqual(good);
  });

  it('survives a 500 followed by the file (retry on the same URL)', async () => {
    const a = artifacts[0];
    mirror.fault(pathOf(a), { kind: 'status', status: 500, times: 1 });
    await get([a]);
    expect(mirror.requests.map((q) => q.status)).toEqual([500, 200]);
  });

  it('falls back from a 404 on the lock mirror to the snapshot URL, without retrying the 404', async () => {
    const a = { ...artifacts[0], urls: [`${mirror.url}/gone/${artifacts[0].filename}`, ...artifacts[0].urls] };
    const r = await get([a]);
    expect(r.fetched).toBe(1);
    expect(mirror.requests.map((q) => q.status)).toEqual([404, 200]);
  });

  it('uses --mirror bases (filename appended) after the lock URLs', async () => {
    const a = { ...artifacts[0], urls: [`${mirror.url}/gone/${artifacts[0].filename}`] };
    const mirrors = mirrorsFrom([`${mirror.url}/debian`], {});
    expect(candidateUrls(a, mirrors)).toEqual([a.urls[0], `${mirror.url}/debian/${a.filename}`]);
    await get([a], { mirrors });
    expect(mirror.requests.map((q) => q.status)).toEqual([404, 200]);
  });

  it('reads extra mirrors from REPRO_GET_MIRROR and refuses non-HTTP ones', () => {
    expect(mirrorsFrom(['http://a.invalid/x'], { REPRO_GET_MIRROR: ' http://b.invalid/  http://a.invalid/x/ ' }).map((m) => m.url)).toEqual([
      'http://a.invalid/x/',
      'http://b.invalid/',
    ]);
    expect(() => mirrorsFrom(['ftp://a.invalid/'], {})).toThrow(/http/);
  });

  it('retries a truncated body and gets the right bytes', async () => {
    const a = artifacts[1];
    mirror.fault(pathOf(a), { kind: 'truncate', bytes: 100, times: 1 });
    const r = await get([a]);
    expect(sha(await readFile(r.paths.get(a.sha256)!))).toBe(a.sha256);
    expect(mirror.requests.length).toBe(2);
  });

  it('retries a connection reset and gets the right bytes', async () => {
    const a = artifacts[1];
    mirror.fault(pathOf(a), { kind: 'reset', after: 200, times: 2 });
    await get([a]);
    expect(mirror.requests.length).toBe(3);
    await expectCacheClean();
  });

  it('times out a stalled server, then retries', async () => {
    const a = artifacts[2];
    mirror.fault(pathOf(a), { kind: 'stall', ms: Infinity, headers: true, times: 1 });
    const t0 = Date.now();
    await get([a], { timeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(10_000); // not the stall (forever): the 300 ms timeout
    expect(mirror.requests.length).toBe(2);
  });

  it('reports a server that never answers: package, URL, timeout', async () => {
    const a = artifacts[2];
    mirror.fault(pathOf(a), { kind: 'stall', ms: Infinity });
    const e = await failure(get([a], { timeoutMs: 200, retries: 1 }));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toContain(`${a.label.split(' ')[0]} `);
    expect(e.message).toContain(a.urls[0]);
    expect(e.message).toMatch(/timeout/i);
    await expectCacheClean(a);
  });

  it('refuses flipped bytes with a HASH error naming package, URL, expected and actual digest', async () => {
    const a = artifacts[4];
    mirror.fault(pathOf(a), { kind: 'flip', offset: 500 });
    const e = await failure(get([a]));
    expect(e.code).toBe('HASH');
    expect(e.message).toContain(a.label);
    expect(e.message).toContain(a.urls[0]);
    expect(e.message).toContain(`expected sha256 ${a.sha256}, ${a.size} bytes`);
    const original = await readFile(join(FIXTURE_REPO, 'debian', a.filename));
    original[500] ^= 0xff;
    expect(e.message).toContain(`got sha256 ${sha(original)}, ${a.size} bytes`);
    // wrong bytes are not retried on the same URL
    expect(mirror.requests.length).toBe(1);
    await expectCacheClean(a);
  });

  it('takes the good copy from the next URL when the first serves wrong bytes', async () => {
    const a = artifacts[4];
    const bad = `${mirror.url}/bad/${a.filename}`;
    mirror.fault(new URL(bad).pathname, { kind: 'replace', body: 'not the package' });
    const r = await get([{ ...a, urls: [bad, ...a.urls] }]);
    expect(r.fetched).toBe(1);
  });

  it('gives exactly the announced bytes or an error when a server sends extra bytes', async () => {
    const a = artifacts[5];
    mirror.fault(pathOf(a), { kind: 'extra', bytes: 4096 });
    const r = await get([a]).catch((e: unknown) => e);
    if (r instanceof ReproError) {
      expect(r.message).toContain(a.label);
      await expectCacheClean(a);
    } else {
      expect(sha(await readFile(cache.pathOf(a.sha256)))).toBe(a.sha256);
    }
  });

  it('aborts a body longer than the locked size as soon as it is exceeded', async () => {
    const a = artifacts[6];
    mirror.fault(pathOf(a), { kind: 'endless' });
    const e = await failure(get([a]));
    expect(e.code).toBe('HASH');
    expect(e.message).toContain(`more than the expected ${a.size} bytes`);
    expect(mirror.requests.length).toBe(1); // an oversize body is not asked for again
    await expectCacheClean(a);
  });

  it('refuses a body that announces the wrong length', async () => {
    const a = artifacts[6];
    mirror.fault(pathOf(a), { kind: 'replace', body: Buffer.alloc(a.size + 1) });
    const e = await failure(get([a]));
    expect(e.message).toContain(`server announces ${a.size + 1} bytes, expected ${a.size}`);
  });

  it('attempts every artifact and lists every failure in one error', async () => {
    const [x, y] = [artifacts[0], artifacts[7]];
    mirror.fault(pathOf(x), { kind: 'status', status: 404 });
    mirror.fault(pathOf(y), { kind: 'flip', offset: 0 });
    const e = await failure(get(artifacts));
    expect(e.code).toBe('HASH'); // a wrong byte outranks a missing file
    expect(e.message).toMatch(/^2 of 10 artifact/);
    expect(e.message).toContain(x.label);
    expect(e.message).toContain('HTTP 404');
    expect(e.message).toContain(y.label);
    expect((e.detail?.failures as unknown[]).length).toBe(2);
    // the other eight are verified and cached, the failed two are not
    for (const a of artifacts) expect(existsSync(cache.pathOf(a.sha256))).toBe(a !== x && a !== y);
    await expectCacheClean();
  });

  it('follows a redirect', async () => {
    const a = artifacts[0];
    const moved = `/moved/${a.filename}`;
    mirror.fault(moved, { kind: 'redirect', location: pathOf(a) });
    await get([{ ...a, urls: [`${mirror.url}${moved}`] }]);
    expect(mirror.requests.map((q) => q.status)).toEqual([302, 200]);
  });

  it('downloads an artifact locked twice (same digest) once', async () => {
    await get([artifacts[0], { ...artifacts[0], label: 'twin' }]);
    expect(mirror.requests.length).toBe(1);
  });
});

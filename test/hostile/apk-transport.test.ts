/**
 * Transport faults for the apk family, hermetic: the spec's --mirror (`bad`) misbehaves, the
 * distro's permanent URL (`good`, also loopback: apk-setup.ts) is the next URL. For `lock` (the
 * signed APKINDEX.tar.gz, and each chosen .apk, which lock downloads to record its sha256) and for
 * `fetch`/`install` (the .apk files against the lock's sha256 and size): once (a retry cures it),
 * for good on the mirror (the permanent URL cures it: the identical lock, exactly the locked
 * bytes), and everywhere (a typed error naming the file, the URL and the cause; nothing written or
 * installed; a cache holding only verified files).
 */
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchLocked } from '../../src/app/fetch.js';
import { installLocked } from '../../src/app/install.js';
import { lock } from '../../src/app/lock.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { ARTIFACT_FAULTS, expectClear, expectCleanCache, failure, injectFault, scratch, tree, TRANSPORT_FAULTS } from './harness.js';
import { apkWorld, INDEX, JQ, NOW, type ApkWorld } from './apk-setup.js';

let w: ApkWorld;
let clean: Lockfile;
beforeAll(async () => {
  w = await apkWorld();
  clean = await lock(w.spec(), { cacheDir: await scratch(), retries: 0, now: NOW });
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.bad.clearFaults();
  w.good.clearFaults();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const net = { backoffMs: 1, timeoutMs: 400, now: NOW };

describe.each([
  ['APKINDEX.tar.gz', INDEX],
  ['jq-1.7.1-r0.apk', JQ],
])('apk lock, faults on %s', (file, path) => {
  describe.each(TRANSPORT_FAULTS)('%s', (_name, fault, cause, transient) => {
    if (transient) it('once: a retry of the mirror cures it, and the lock is the genuine one', async () => {
      injectFault(w.bad, path, { ...fault, times: 1 });
      const cache = await scratch();
      const before = w.good.requests.length;
      expect(await lock(w.spec(), { cacheDir: cache, retries: 1, ...net })).toEqual(clean);
      expect(w.good.requests.slice(before).map((r) => r.path)).not.toContain(path);
      await expectCleanCache(cache);
    });

    it('for good on the mirror: the permanent URL cures it, and the lock is the genuine one', async () => {
      injectFault(w.bad, path, fault);
      const cache = await scratch();
      const before = w.good.requests.length;
      expect(await lock(w.spec(), { cacheDir: cache, retries: 0, ...net })).toEqual(clean);
      expect(w.good.requests.slice(before).map((r) => r.path)).toContain(path);
      await expectCleanCache(cache);
    });

    it('everywhere: a NETWORK error naming the file, both URLs and the cause', async () => {
      injectFault(w.bad, path, fault);
      injectFault(w.good, path, fault);
      const cache = await scratch();
      const e = await failure(lock(w.spec(), { cacheDir: cache, retries: 0, ...net }));
      expectClear(e, 'NETWORK', file, `${w.bad.url}${path}`, `${w.good.url}${path}`, cause);
      await expectCleanCache(cache);
    });
  });

  it('more bytes than the Content-Length announced are dropped by HTTP framing: the genuine lock', async () => {
    w.bad.fault(path, { kind: 'extra', bytes: 5000 });
    expect(await lock(w.spec(), { cacheDir: await scratch(), retries: 0, ...net })).toEqual(clean);
  });

  it('a redirect to another host is followed (trust is the signature and C:, not the host): the genuine lock', async () => {
    w.bad.fault(path, { kind: 'redirect', location: `${w.good.url}${path}` });
    const before = w.good.requests.length;
    expect(await lock(w.spec(), { cacheDir: await scratch(), retries: 0, ...net })).toEqual(clean);
    expect(w.good.requests.slice(before).map((r) => r.path)).toContain(path);
  });
});

describe('apk lock, wrong content', () => {
  it('a flipped byte in the index (the signature covers every byte): the permanent URL cures it; everywhere, refused naming both URLs', async () => {
    w.bad.fault(INDEX, { kind: 'flip', offset: -1 });
    const cache = await scratch();
    expect(await lock(w.spec(), { cacheDir: cache, retries: 0, ...net })).toEqual(clean);
    w.good.fault(INDEX, { kind: 'flip', offset: -1 });
    const e = await failure(lock(w.spec(), { cacheDir: cache, retries: 0, ...net }));
    expectClear(e, /^(FORMAT|SIGNATURE)$/, `${w.bad.url}${INDEX}`, `${w.good.url}${INDEX}`, /CRC32|signature/);
    await expectCleanCache(cache);
  });

  it('a flipped byte in the .apk from the mirror: the permanent URL cures it; everywhere, a HASH error naming URL and cause', async () => {
    w.bad.fault(JQ, { kind: 'flip', offset: -1 });
    const cache = await scratch();
    expect(await lock(w.spec(), { cacheDir: cache, retries: 0, ...net })).toEqual(clean);
    w.good.fault(JQ, { kind: 'flip', offset: -1 });
    const bare = await scratch();
    const e = await failure(lock(w.spec(), { cacheDir: bare, retries: 0, ...net }));
    expectClear(e, 'HASH', `${w.bad.url}${JQ}`, `${w.good.url}${JQ}`, /datahash/);
    await expectCleanCache(cache);
    await expectCleanCache(bare);
  });
});

// --- fetch and install: the .apk files against the lock ----------------------------------------

describe('apk fetch and install, package file faults', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(async () => {
    dir = await scratch('rg-hostile-apk-art-');
    lockPath = join(dir, 'repro-get.lock.yaml');
    await writeFile(lockPath, serializeLockfile(clean));
  });
  const base = { machineArch: 'x86_64', env: {}, backoffMs: 1, timeoutMs: 400 };
  const jq = () => clean.packages.find((p) => p.name === 'jq')!;

  async function expectFetched(out: string): Promise<void> {
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    for (const line of sums.trim().split('\n')) {
      const [digest, name] = line.split(/\s+/);
      expect(sha(await readFile(join(out, name)))).toBe(digest);
    }
    expect(sums).toContain(`${jq().sha256}  ${jq().filename}`);
  }

  it.each(ARTIFACT_FAULTS)('%s: once (retry), on the mirror (permanent URL), everywhere (typed error, nothing written or installed)', async (_n, f, cause, transient) => {
    if (transient) {
      injectFault(w.bad, JQ, { ...f, times: 1 });
      const cache = join(dir, 'cache-once');
      await fetchLocked(lockPath, join(dir, 'out-once'), { ...base, cacheDir: cache, retries: 1 });
      await expectFetched(join(dir, 'out-once'));
      await expectCleanCache(cache);
      w.bad.clearFaults();
    }

    injectFault(w.bad, JQ, f);
    const cache = join(dir, 'cache-mirror');
    await fetchLocked(lockPath, join(dir, 'out-mirror'), { ...base, cacheDir: cache, retries: 0 });
    await expectFetched(join(dir, 'out-mirror'));
    const r = await installLocked(lockPath, { ...base, cacheDir: join(dir, 'cache-install'), retries: 0, root: await scratch(), dryRun: true });
    expect(r.steps.flat().map((p) => p.name)).toEqual(['jq']);
    await expectCleanCache(cache);
    await expectCleanCache(join(dir, 'cache-install'));

    injectFault(w.good, JQ, f);
    const bare = join(dir, 'cache-none');
    const out = join(dir, 'out-none');
    const label = `jq ${jq().version}`;
    const e = await failure(fetchLocked(lockPath, out, { ...base, cacheDir: bare, retries: 0 }));
    expectClear(e, /^(HASH|NETWORK)$/, label, `${w.bad.url}${JQ}`, `${w.good.url}${JQ}`, cause);
    expect(await stat(out).catch(() => 'absent')).toBe('absent');
    await expectCleanCache(bare);
    const root = await scratch('rg-hostile-apk-root-');
    await writeFile(join(root, 'marker'), '');
    const before = await tree(root);
    const e2 = await failure(installLocked(lockPath, { ...base, cacheDir: bare, retries: 0, root }));
    expectClear(e2, /^(HASH|NETWORK)$/, label, `${w.bad.url}${JQ}`, cause);
    expect(await tree(root)).toEqual(before);
    await expectCleanCache(bare);
  });
});

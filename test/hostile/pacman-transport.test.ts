/**
 * Transport faults for the pacman family, hermetic: the lock's --mirror (`bad`) misbehaves, the
 * archive day URL (`good`, also loopback: see pacman-setup.ts) is the next URL. For `lock` (the
 * unsigned .db files) and for `fetch`/`install` (the package files, checked against the lock's
 * sha256 and size): once (a retry cures it), for good on the mirror (the archive cures it: the
 * identical lock, exactly the locked bytes), and everywhere (a typed error naming the file, every
 * URL and the cause; nothing written or installed; a cache holding only verified files).
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
import type { FaultOptions } from '../support/mirror.js';
import { ARTIFACT_FAULTS, expectClear, expectCleanCache, failure, injectFault, scratch, tree, TRANSPORT_FAULTS } from './harness.js';
import { DB, pacmanQ, pacmanRoot, pacmanWorld, realInstallSkip, type PacmanWorld } from './pacman-setup.js';

let w: PacmanWorld;
let clean: Lockfile;
beforeAll(async () => {
  w = await pacmanWorld();
  clean = await lock(w.spec(), { cacheDir: await scratch(), retries: 0 });
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.bad.clearFaults();
  w.good.clearFaults();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const net = { backoffMs: 1, timeoutMs: 400 };

describe.each(TRANSPORT_FAULTS)('pacman lock, database fault: %s', (_name, fault, cause, transient) => {
  const CORE = DB('core');

  if (transient) it('once: a retry of the mirror cures it, and the lock is the genuine one', async () => {
    injectFault(w.bad, CORE, { ...fault, times: 1 });
    const cache = await scratch();
    const before = w.good.requests.length;
    expect(await lock(w.spec(), { cacheDir: cache, retries: 1, ...net })).toEqual(clean);
    expect(w.good.requests.slice(before).map((r) => r.path)).not.toContain(CORE);
    await expectCleanCache(cache);
  });

  it('for good on the mirror: the archive day URL cures it, and the lock is the genuine one', async () => {
    injectFault(w.bad, CORE, fault);
    const cache = await scratch();
    const before = w.good.requests.length;
    expect(await lock(w.spec(), { cacheDir: cache, retries: 0, ...net })).toEqual(clean);
    expect(w.good.requests.slice(before).map((r) => r.path)).toContain(CORE);
    await expectCleanCache(cache);
  });

  it('everywhere: a NETWORK error naming the database, both URLs and the cause', async () => {
    injectFault(w.bad, CORE, fault);
    w.good.fault(CORE, fault.kind === 'redirect' ? { kind: 'redirect', location: CORE } : fault);
    const cache = await scratch();
    const e = await failure(lock(w.spec(), { cacheDir: cache, retries: 0, ...net }));
    expectClear(e, 'NETWORK', 'core.db', `${w.bad.url}${CORE}`, `${w.good.url}${CORE}`, cause);
    await expectCleanCache(cache);
  });
});

describe('pacman lock, database content over the wire', () => {
  it('endless data is cut off at the 256 MiB database bound, naming the URL', async () => {
    w.bad.fault(DB('core'), { kind: 'endless' });
    w.good.fault(DB('core'), { kind: 'endless' });
    const cache = await scratch();
    const e = await failure(lock(w.spec(), { cacheDir: cache, retries: 0, ...net }));
    expectClear(e, 'NETWORK', `${w.bad.url}${DB('core')}`, `${w.good.url}${DB('core')}`, /exceeds 268435456/);
    await expectCleanCache(cache);
  });

  it('more bytes than the Content-Length announced are dropped by HTTP framing: the genuine lock', async () => {
    w.bad.fault(DB('core'), { kind: 'extra', bytes: 5000 });
    expect(await lock(w.spec(), { cacheDir: await scratch(), retries: 0, ...net })).toEqual(clean);
  });

  it('a redirect to another host is followed (nothing trusts the host): the genuine lock', async () => {
    w.bad.fault(DB('core'), { kind: 'redirect', location: `${w.good.url}${DB('core')}` });
    const before = w.good.requests.length;
    expect(await lock(w.spec(), { cacheDir: await scratch(), retries: 0, ...net })).toEqual(clean);
    expect(w.good.requests.slice(before).map((r) => r.path)).toContain(DB('core'));
  });

  it('a flipped byte (the database is unsigned, it fails to decompress): the archive cures it; everywhere, FORMAT naming both URLs', async () => {
    w.bad.fault(DB('core'), { kind: 'flip', offset: -1 });
    const cache = await scratch();
    expect(await lock(w.spec(), { cacheDir: cache, retries: 0, ...net })).toEqual(clean);
    w.good.fault(DB('core'), { kind: 'flip', offset: -1 });
    const e = await failure(lock(w.spec(), { cacheDir: cache, retries: 0, ...net }));
    expectClear(e, 'FORMAT', 'core.db', `${w.bad.url}${DB('core')}`, `${w.good.url}${DB('core')}`, /length check|CRC|gzip/i);
    await expectCleanCache(cache);
  });
});

// --- fetch and install: the package files ------------------------------------------------------

describe('pacman fetch and install, package file faults', () => {
  let victim: Lockfile['packages'][number];
  let vpath: string;
  let dir: string;
  let lockPath: string;
  beforeAll(() => {
    victim = clean.packages.find((p) => p.name === 'rg-libfoo')!;
    vpath = `/core/os/x86_64/${victim.filename}`;
  });
  beforeEach(async () => {
    dir = await scratch('rg-hostile-pacman-art-');
    lockPath = join(dir, 'repro-get.lock.yaml');
    await writeFile(lockPath, serializeLockfile(clean));
  });
  const base = { machineArch: 'x86_64', env: {}, ...net };

  async function expectFetched(out: string): Promise<void> {
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    const lines = sums.trim().split('\n');
    expect(lines).toHaveLength(clean.packages.length);
    for (const line of lines) {
      const [digest, name] = line.split(/\s+/);
      expect(sha(await readFile(join(out, name)))).toBe(digest);
    }
    expect(sums).toContain(`${victim.sha256}  ${victim.filename}`);
  }

  it.each(ARTIFACT_FAULTS)('%s: once (retry), on the mirror (archive), everywhere (typed error, nothing written or installed)', async (_n, f0, cause, transient) => {
    const f: FaultOptions = f0.kind === 'redirect' ? { kind: 'redirect', location: vpath } : f0; // a loop onto itself
    if (transient) {
      w.bad.fault(vpath, { ...f, times: 1 });
      const cache = join(dir, 'cache-once');
      await fetchLocked(lockPath, join(dir, 'out-once'), { ...base, cacheDir: cache, retries: 1 });
      await expectFetched(join(dir, 'out-once'));
      await expectCleanCache(cache);
      w.bad.clearFaults();
    }

    w.bad.fault(vpath, f);
    const cache = join(dir, 'cache-mirror');
    await fetchLocked(lockPath, join(dir, 'out-mirror'), { ...base, cacheDir: cache, retries: 0 });
    await expectFetched(join(dir, 'out-mirror'));
    // install verifies every file, then every signature, before pacman would run (dry run here).
    const r = await installLocked(lockPath, { ...base, cacheDir: join(dir, 'cache-install'), retries: 0, root: await scratch(), dryRun: true });
    expect(r.steps.flat().map((p) => p.name).sort()).toEqual(clean.packages.map((p) => p.name).sort());
    await expectCleanCache(cache);
    await expectCleanCache(join(dir, 'cache-install'));

    w.good.fault(vpath, f);
    const bare = join(dir, 'cache-none');
    const out = join(dir, 'out-none');
    const e = await failure(fetchLocked(lockPath, out, { ...base, cacheDir: bare, retries: 0 }));
    expectClear(e, /^(HASH|NETWORK)$/, `${victim.name} ${victim.version}`, `${w.bad.url}${vpath}`, `${w.good.url}${vpath}`, cause);
    expect(await stat(out).catch(() => 'absent')).toBe('absent');
    await expectCleanCache(bare);
    const root = await scratch('rg-hostile-pacman-root-');
    await writeFile(join(root, 'marker'), '');
    const before = await tree(root);
    const e2 = await failure(installLocked(lockPath, { ...base, cacheDir: bare, retries: 0, root }));
    expectClear(e2, /^(HASH|NETWORK)$/, `${victim.name} ${victim.version}`, `${w.bad.url}${vpath}`, cause);
    expect(await tree(root)).toEqual(before);
    await expectCleanCache(bare);
  });
});

describe.skipIf(!!realInstallSkip())('pacman install for real, the mirror sending wrong bytes for every package', () => {
  it('pacman -U installs exactly the locked versions, fetched from the archive day URL instead', async () => {
    for (const p of clean.packages) w.bad.fault(`/${p.source}/os/x86_64/${p.filename}`, { kind: 'flip', offset: 0 });
    const dir = await scratch('rg-hostile-pacman-real-');
    const lockPath = join(dir, 'repro-get.lock.yaml');
    await writeFile(lockPath, serializeLockfile(clean));
    const root = await pacmanRoot();
    const before = pacmanQ(root);
    const cache = join(dir, 'cache');
    await installLocked(lockPath, { machineArch: 'x86_64', env: {}, ...net, cacheDir: cache, retries: 0, root });
    expect(pacmanQ(root)).toEqual([...before, ...clean.packages.map((p) => `${p.name} ${p.version}`)].sort());
    expect(await readFile(join(root, 'usr/share/rg-fixtures/rg-app'), 'utf8')).toBe('rg-app 1.0-1\n');
    await expectCleanCache(cache);
  });
});
if (realInstallSkip()) it.skip(realInstallSkip()!, () => {});

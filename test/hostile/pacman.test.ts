/**
 * Hostile Arch mirrors for the pacman family's lock, over the real 2022 core/extra databases on
 * loopback. Arch databases are unsigned, so what stands between a mirror and the lock is the
 * database's own structure (a corrupted one is refused, never half-read) and each package's
 * signature (test/families/pacman/lock-real.test.ts, install.test.ts). Without a signed date the
 * cross-lock rollback check cannot apply (docs/security.md says so); this test keeps that honest.
 * Transport faults (lock, fetch, install) are in pacman-transport.test.ts and doctored databases in
 * pacman-metadata.test.ts, both over the fixture repositories with a loopback archive day URL.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { parsePackageRequest, type Spec } from '../../src/core/spec.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { realDb } from '../families/pacman/support/real-arch.js';
import { expectCleanCache, failure, scratch } from './harness.js';

let m: Mirror;
beforeAll(async () => {
  const root = join(await scratch('rg-hostile-arch-'), 'mirror');
  for (const id of ['core', 'extra']) {
    await mkdir(join(root, id, 'os', 'x86_64'), { recursive: true });
    await copyFile(realDb(id), join(root, id, 'os', 'x86_64', `${id}.db`));
  }
  m = await startMirror({ root });
});
afterAll(async () => m?.close());
beforeEach(() => m.clearFaults());

function spec(): Spec {
  return {
    dir: '/tmp',
    distro: 'arch',
    snapshot: '2022-09-11T00:00:00Z',
    architectures: [],
    suites: ['core', 'extra'],
    mirrors: [{ url: `${m.url}/` }],
    keyrings: [],
    repos: [],
    packages: [parsePackageRequest('curl') as never],
  };
}
const CORE = '/core/os/x86_64/core.db';

describe('pacman lock against a hostile mirror', () => {
  it('a corrupted database is refused, naming the file; the archive day URL it moves on to is not contacted here', async () => {
    m.fault(CORE, { kind: 'flip', offset: 5000 });
    const cache = await scratch();
    const e = await failure(lock(spec(), { cacheDir: cache, retries: 0, now: new Date('2026-01-01T00:00:00Z') }));
    expect(e.code).toMatch(/^(FORMAT|HASH|LIMIT)$/);
    expect(e.message).toContain(`core: core.db (${m.url}${CORE})`);
    // The next URL is the public archive: REPRO_GET_ALLOWED_HOSTS (vitest.config.ts) refuses it unasked.
    expect(e.message).toMatch(/https:\/\/[^\s/]+\/.*not in REPRO_GET_ALLOWED_HOSTS.*not contacted/);
    await expectCleanCache(cache);
  });

  it('records no signed date for a database, so rollback across locks is not detectable for Arch', async () => {
    const l = await lock(spec(), { cacheDir: await scratch(), retries: 0 });
    expect(l.sources.map((s) => [s.id, s.metadata.signedBy, s.metadata.date])).toEqual([
      [l.sources[0].id, [], undefined],
      [l.sources[1].id, [], undefined],
    ]);
  });
});

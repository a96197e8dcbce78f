/**
 * Hostile Alpine repositories for the apk family's lock (which also downloads each chosen .apk to
 * record its sha256): endless and stalled APKINDEX and .apk answers, and a replayed older index
 * (validly signed) against the lock it would replace. Every other fault, through the app's lock,
 * fetch and install with two loopback servers, is in apk-transport.test.ts and apk-metadata.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRollback } from '../../src/app/rollback.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { ContentCache } from '../../src/core/net/cache.js';
import { Fetcher } from '../../src/core/net/fetcher.js';
import { Http } from '../../src/core/net/http.js';
import { parsePackageRequest, type Spec } from '../../src/core/spec.js';
import { lockApk } from '../../src/families/apk/lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { buildFixtureTree, type FixtureTree } from '../families/apk/support/fixture-repo.js';
import { expectClear, expectCleanCache, failure, scratch } from './harness.js';

let tree: FixtureTree;
let m: Mirror;
beforeAll(async () => {
  tree = await buildFixtureTree();
  m = await startMirror({ root: tree.root });
});
afterAll(async () => m?.close());
beforeEach(() => m.clearFaults());

const INDEX = '/alpine/v3.20/main/x86_64/APKINDEX.tar.gz';
const JQ = '/alpine/v3.20/main/x86_64/jq-1.7.1-r0.apk';

async function lock(cacheDir: string, timeoutMs = 5000): Promise<Lockfile> {
  const spec: Spec = {
    dir: cacheDir,
    distro: 'alpine:3.20',
    architectures: ['x86_64'],
    components: ['main'],
    mirrors: [],
    keyrings: [],
    repos: [],
    packages: [parsePackageRequest('jq') as never],
  };
  const http = new Http({ retries: 0, backoffMs: 1, timeoutMs });
  try {
    return await lockApk({ spec, distro: tree.distro(m.url), release: '3.20', fetcher: new Fetcher(http, new ContentCache(cacheDir)), now: new Date('2025-06-01T00:00:00Z'), log: () => {} });
  } finally {
    await http.close();
  }
}

describe('apk lock against a hostile mirror', () => {
  it('an endless APKINDEX is cut off at the signed-root bound, naming the URL', async () => {
    m.fault(INDEX, { kind: 'endless' });
    const cache = await scratch();
    const e = await failure(lock(cache));
    expectClear(e, 'NETWORK', `${m.url}${INDEX}`, /exceeds 67108864/);
    await expectCleanCache(cache);
  });

  it('an endless or stalled .apk is cut off (its size comes from the signed index), naming the package URL', async () => {
    m.fault(JQ, { kind: 'endless' });
    const cache = await scratch();
    let e = await failure(lock(cache));
    expectClear(e, /^(HASH|NETWORK)$/, `${m.url}${JQ}`, /exceeds|more than|size/);
    m.clearFaults();
    m.fault(JQ, { kind: 'stall', ms: Infinity, headers: true });
    e = await failure(lock(cache, 300));
    expectClear(e, 'NETWORK', `${m.url}${JQ}`, /timeout|Timeout|stalled/);
    await expectCleanCache(cache);
  });

  it('a replayed older index is refused against the lock it would replace', async () => {
    const now = await lock(await scratch());
    const date = now.sources[0].metadata.date;
    expect(date).toMatch(/^\d{4}-/);
    // The lock on disk saw this repository a day later than what the mirror serves now.
    const later = new Date(Date.parse(date!) + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const previous: Lockfile = { ...now, sources: now.sources.map((s) => ({ ...s, metadata: { ...s.metadata, date: later } })) };
    expect(() => checkRollback(previous, now, 'repro-get.lock.yaml')).toThrow(new RegExp(`APKINDEX\\.tar\\.gz from ${m.url.replace(/\./g, '\\.')}.* is dated ${date}, older than the ${later}.*rollback`));
  });
});

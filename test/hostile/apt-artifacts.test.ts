/**
 * Hostile artifact downloads for `fetch` and `install`: every fault the loopback mirror can inject,
 * once (cured by a retry), for good on the lock's URL (cured by the next mirror), and for good
 * everywhere (a clear error). Invariants: success means exactly the locked bytes; failure means a
 * HASH or NETWORK error naming the package, the URL and the cause, no output folder, nothing in the
 * root (install runs for real against a scratch root: reaching dpkg would be an INSTALL error), and
 * a cache holding only verified files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchLocked } from '../../src/app/fetch.js';
import { installLocked } from '../../src/app/install.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { startMirror, type FaultOptions, type Mirror } from '../support/mirror.js';
import { FIXTURE_REPO, fixtureIndex, fixtureLock } from '../support/fixture-lock.js';
import { expectClear, expectCleanCache, failure, scratch, scratchRoot, tree } from './harness.js';

const PICKS = ['rg-tool', 'rg-data'];
const victim = fixtureIndex().find((e) => e.name === 'rg-tool')!;
const VICTIM_PATH = `/debian/${victim.filename}`;

let bad: Mirror; // the lock's URLs point here; faults are injected here
let good: Mirror; // a second mirror (another port) with the genuine archive
let dir: string;
let lockPath: string;

beforeAll(async () => {
  bad = await startMirror({ root: FIXTURE_REPO });
  good = await startMirror({ root: FIXTURE_REPO });
});
afterAll(async () => {
  await bad?.close();
  await good?.close();
});
beforeEach(async () => {
  bad.clearFaults();
  dir = await scratch('rg-hostile-art-');
  lockPath = join(dir, 'repro-get.lock.yaml');
  await writeFile(lockPath, serializeLockfile(fixtureLock(bad.url, PICKS)));
});

const base = { machineArch: 'amd64', env: {}, backoffMs: 1, timeoutMs: 400 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Faults, each with the cause its error must name and whether one occurrence is cured by a retry of
 * the same URL (transient) or makes the client move on to the next URL (permanent for that URL).
 */
const FAULTS: [string, FaultOptions, RegExp, 'transient' | 'permanent'][] = [
  ['404', { kind: 'status', status: 404 }, /HTTP 404/, 'permanent'],
  ['500', { kind: 'status', status: 500 }, /HTTP 500/, 'transient'],
  ['503', { kind: 'status', status: 503 }, /HTTP 503/, 'transient'],
  ['truncated body', { kind: 'truncate', bytes: 100 }, /closed|terminated|premature|bytes|other side/i, 'transient'],
  ['flipped byte', { kind: 'flip', offset: -1 }, /wrong content: got sha256 [0-9a-f]{64}/, 'permanent'],
  ['endless body', { kind: 'endless' }, /more than the expected 1340 bytes/, 'permanent'],
  ['stall past the timeout', { kind: 'stall', ms: Infinity, headers: true }, /timeout|stalled/i, 'transient'],
  ['reset mid-body', { kind: 'reset', after: 100 }, /reset|ECONNRESET|closed|terminated|other side/i, 'transient'],
  ['redirect loop', { kind: 'redirect', location: VICTIM_PATH }, /redirect/, 'permanent'],
];

async function expectFetched(out: string): Promise<void> {
  const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
  for (const line of sums.trim().split('\n')) {
    const [digest, name] = line.split(/\s+/);
    expect(sha(await readFile(join(out, name)))).toBe(digest);
  }
  expect(sums).toContain(`${victim.sha256}  ${victim.filename.split('/').pop()}`);
}

describe.each(FAULTS)('artifact fault: %s', (_name, fault, cause, kind) => {
  // Permanent faults are not retried on the same URL by design: their cure is the next mirror, below.
  if (kind === 'transient') it('once: a retry of the same URL cures it and fetch writes exactly the locked bytes', async () => {
    bad.fault(VICTIM_PATH, { ...fault, times: 1 });
    const cache = join(dir, 'cache');
    const out = join(dir, 'out');
    await fetchLocked(lockPath, out, { ...base, cacheDir: cache, retries: 1 });
    await expectFetched(out);
    await expectCleanCache(cache);
  });

  it('for good on the lock URL: the next mirror cures it, for fetch and install', async () => {
    bad.fault(VICTIM_PATH, fault);
    const cache = join(dir, 'cache');
    const out = join(dir, 'out');
    const mirrors = [`${good.url}/debian/`];
    await fetchLocked(lockPath, out, { ...base, cacheDir: cache, retries: 0, mirrors });
    await expectFetched(out);
    const root = await scratchRoot();
    const r = await installLocked(lockPath, { ...base, cacheDir: join(dir, 'cache2'), retries: 0, mirrors, root, dryRun: true });
    expect(r.steps.flat().map((p) => p.name).sort()).toEqual(PICKS.slice().sort());
    await expectCleanCache(cache);
    await expectCleanCache(join(dir, 'cache2'));
  });

  it('everywhere: fetch and install fail naming package, URL and cause; nothing written or installed', async () => {
    bad.fault(VICTIM_PATH, fault);
    good.fault(VICTIM_PATH, fault);
    const cache = join(dir, 'cache');
    const out = join(dir, 'out');
    const mirrors = [`${good.url}/debian/`];
    try {
      const e = await failure(fetchLocked(lockPath, out, { ...base, cacheDir: cache, retries: 0, mirrors }));
      expectClear(e, /^(HASH|NETWORK)$/, `${victim.name} ${victim.version}`, `${bad.url}${VICTIM_PATH}`, `${good.url}${VICTIM_PATH}`, cause);
      expect(await stat(out).catch(() => 'absent')).toBe('absent');
      await expectCleanCache(cache);

      const root = await scratchRoot();
      const before = await tree(root);
      const e2 = await failure(installLocked(lockPath, { ...base, cacheDir: cache, retries: 0, mirrors, root }));
      expectClear(e2, /^(HASH|NETWORK)$/, `${victim.name} ${victim.version}`, `${bad.url}${VICTIM_PATH}`, cause);
      expect(await tree(root)).toEqual(before);
      expect(await readFile(join(root, 'var/lib/dpkg/status'), 'utf8')).toBe('');
      await expectCleanCache(cache);
    } finally {
      good.clearFaults();
    }
  });
});

describe('more bytes than the Content-Length announced', () => {
  it('is harmless: HTTP framing drops the surplus and the locked bytes are verified', async () => {
    bad.fault(VICTIM_PATH, { kind: 'extra', bytes: 5000 });
    const cache = join(dir, 'cache');
    await fetchLocked(lockPath, join(dir, 'out'), { ...base, cacheDir: cache, retries: 0 });
    await expectFetched(join(dir, 'out'));
    await expectCleanCache(cache);
  });
});

describe('a redirect to another host', () => {
  it('is followed (the bytes are checked against the lock, not the host): genuine bytes pass, others fail', async () => {
    bad.fault(VICTIM_PATH, { kind: 'redirect', location: `${good.url}${VICTIM_PATH}` });
    const cache = join(dir, 'cache');
    await fetchLocked(lockPath, join(dir, 'out'), { ...base, cacheDir: cache, retries: 0 });
    await expectFetched(join(dir, 'out'));
    good.fault(VICTIM_PATH, { kind: 'flip', offset: 10 });
    try {
      const e = await failure(fetchLocked(lockPath, join(dir, 'out2'), { ...base, cacheDir: join(dir, 'cache2'), retries: 0 }));
      expectClear(e, 'HASH', `${victim.name} ${victim.version}`, `${bad.url}${VICTIM_PATH}`, /wrong content/);
      await expectCleanCache(join(dir, 'cache2'));
    } finally {
      good.clearFaults();
    }
  });
});

describe('a poisoned cache', () => {
  it('a cache entry that does not hash to its name is dropped and downloaded again', async () => {
    const cache = join(dir, 'cache');
    await mkdir(join(cache, 'sha256'), { recursive: true });
    await writeFile(join(cache, 'sha256', victim.sha256), 'not the package');
    await fetchLocked(lockPath, join(dir, 'out'), { ...base, cacheDir: cache, retries: 0 });
    await expectFetched(join(dir, 'out'));
    await expectCleanCache(cache);
  });
});

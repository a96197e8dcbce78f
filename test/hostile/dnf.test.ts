/**
 * Hostile RPM repositories for the dnf family's lock: a replayed older repomd.xml (validly signed),
 * a primary.xml whose package location escapes the repository, a decompression bomb behind a
 * validly signed repomd.xml, and a tampered or endless primary. Fetch and install of the resulting
 * artifacts share the download pool the apt artifact scenarios cover (apt-artifacts.test.ts).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { parsePackageRequest, type Spec } from '../../src/core/spec.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { expectClear, expectCleanCache, failure, FIXTURE_KEY, here, NOW, readSecret, scratch, signDetached } from './harness.js';
import { cp } from 'node:fs/promises';
import { expiringKey, writeKeyring } from '../support/expiring-key.js';

const REPOS = here('../../fixtures/dnf/repos');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let root: string;
let m: Mirror;
let key: openpgp.PrivateKey;
let repomd: string;
let primaryName: string;
let primaryXml: string;

beforeAll(async () => {
  root = join(await scratch('rg-hostile-dnf-'), 'repos');
  await cp(REPOS, root, { recursive: true });
  m = await startMirror({ root });
  key = await readSecret();
  repomd = await readFile(join(REPOS, 'base/repodata/repomd.xml'), 'utf8');
  primaryName = (await readdir(join(REPOS, 'base/repodata'))).find((f) => f.endsWith('-primary.xml.gz'))!;
  primaryXml = gunzipSync(await readFile(join(REPOS, 'base/repodata', primaryName))).toString('utf8');
});
afterAll(async () => m?.close());
beforeEach(() => m.clearFaults());

function spec(pkgs: string[], keyrings = [FIXTURE_KEY]): Spec {
  return {
    dir: '/tmp',
    distro: 'rpm',
    architectures: ['x86_64'],
    mirrors: [],
    keyrings: [],
    repos: [{ id: 'base', url: `${m.url}/base/`, untrusted: false, keyrings }],
    packages: pkgs.map((p) => parsePackageRequest(p) as never),
  };
}
const PKG = 'libv';

/**
 * Serves base/repodata/repomd.xml (+ .asc, signed by the fixture key) from `text`, and `primary`
 * (gzip bytes, with the uncompressed digest `open`) in place of the real primary.
 */
async function serveRepomd(text: string, signedAt: Date, primary?: { gz: Buffer; open: { sha256: string; size: number } }, signer = key): Promise<void> {
  let t = text;
  if (primary) {
    const name = `${sha(primary.gz)}-primary.xml.gz`;
    await writeFile(join(root, 'base/repodata', name), primary.gz);
    t = t.replace(/(<data type="primary">[\s\S]*?<\/data>)/, (block) =>
      block
        .replace(/<checksum type="sha256">[0-9a-f]{64}</, `<checksum type="sha256">${sha(primary.gz)}<`)
        .replace(/<open-checksum type="sha256">[0-9a-f]{64}</, `<open-checksum type="sha256">${primary.open.sha256}<`)
        .replace(/href="[^"]*"/, `href="repodata/${name}"`)
        .replace(/<size>\d+</, `<size>${primary.gz.length}<`)
        .replace(/<open-size>\d+</, `<open-size>${primary.open.size}<`),
    );
  }
  m.fault('/base/repodata/repomd.xml', { kind: 'replace', body: t });
  m.fault('/base/repodata/repomd.xml.asc', { kind: 'replace', body: await signDetached(Buffer.from(t), signer, signedAt) });
}

describe('dnf lock against a hostile repository', () => {
  it('a replayed older repomd.xml (validly signed) is refused against the lock it would replace', async () => {
    const genuine = await lock(spec([PKG]), { cacheDir: await scratch(), now: NOW });
    expect(genuine.sources[0].metadata.date).toBe('2025-03-01T00:00:00Z');
    const old = repomd.replace(/<timestamp>\d+</g, '<timestamp>1738368000<').replace(/<revision>\d+</, '<revision>1738368000<'); // 2025-02-01
    await serveRepomd(old, new Date('2025-02-01T00:00:00Z'));
    const cache = await scratch();
    const e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW, previous: { lock: genuine, file: 'repro-get.lock.yaml' } }));
    expectClear(e, 'SIGNATURE', 'base', 'repodata/repomd.xml', `${m.url}/base/`, '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z', /rollback/);
    await expectCleanCache(cache);
  });

  it.each([
    ['../../../etc/passwd', /location/],
    ['/etc/passwd', /location/],
    ['Packages/x\u0000.rpm', /bad character reference "&#0;"/], // XML cannot carry NUL at all
  ])('a package location %j escaping the repository is refused', async (bad, cause) => {
    const xml = primaryXml.replace(/<location href="[^"]*"/, `<location href="${bad.replace('\0', '&#0;')}"`);
    expect(xml).not.toBe(primaryXml);
    await serveRepomd(repomd, new Date('2025-03-01T00:00:00Z'), { gz: gzipSync(xml), open: { sha256: sha(xml), size: Buffer.byteLength(xml) } });
    const cache = await scratch();
    const e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW }));
    expectClear(e, 'FORMAT', /primary\.xml\.gz:\d+/, cause);
    await expectCleanCache(cache);
  });

  it('a decompression bomb primary.xml.gz behind a validly signed repomd.xml is cut off', async () => {
    const zeros = Buffer.alloc(64 << 20);
    await serveRepomd(repomd, new Date('2025-03-01T00:00:00Z'), { gz: gzipSync(zeros, { level: 9 }), open: { sha256: '0'.repeat(64), size: 40 * 2 ** 30 } });
    const cache = await scratch();
    const e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW }));
    expectClear(e, /^(LIMIT|FORMAT)$/, /primary\.xml\.gz/);
    await expectCleanCache(cache);
  });

  it('a tampered or endless primary is refused, naming the file, the URL and the cause', async () => {
    m.fault(`/base/repodata/${primaryName}`, { kind: 'flip', offset: 50 });
    const cache = await scratch();
    let e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW, retries: 0 }));
    expectClear(e, 'HASH', primaryName, `${m.url}/base/repodata/${primaryName}`, /sha256 mismatch/);
    m.clearFaults();
    m.fault(`/base/repodata/${primaryName}`, { kind: 'endless' });
    e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW, retries: 0 }));
    expectClear(e, 'HASH', primaryName, `${m.url}/base/repodata/${primaryName}`, /size mismatch|more than/);
    m.clearFaults();
    m.fault('/base/repodata/repomd.xml', { kind: 'endless' });
    e = await failure(lock(spec([PKG]), { cacheDir: cache, now: NOW, retries: 0 }));
    expectClear(e, 'NETWORK', `${m.url}/base/repodata/repomd.xml`, /exceeds/);
    await expectCleanCache(cache);
  });
});

describe('dnf lock: a repomd.xml.asc by a key that has expired', () => {
  // A TEST ONLY key valid 2025-01-01..2025-03-02; the repomd.xml is dated 2025-03-01, the lock runs at NOW (2026).
  it('signed after the key expired: refused, naming the file and the key; signed while valid: accepted', async () => {
    const k = await expiringKey(new Date('2025-01-01T00:00:00Z'), 60);
    const keyring = await writeKeyring(k, await scratch());
    await serveRepomd(repomd, new Date('2025-03-10T00:00:00Z'), undefined, k.signer);
    const cache = await scratch();
    const e = await failure(lock(spec([PKG], [keyring]), { cacheDir: cache, now: NOW }));
    expectClear(e, 'SIGNATURE', `${m.url}/base/repodata/repomd.xml`, k.fingerprint, /does not verify/, /expired/i);
    await expectCleanCache(cache);
    // Snapshots outlive keys: a signature made while the key was valid still verifies after it expired.
    m.clearFaults();
    await serveRepomd(repomd, new Date('2025-03-01T00:00:00Z'), undefined, k.signer);
    const l = await lock(spec([PKG], [keyring]), { cacheDir: await scratch(), now: NOW });
    expect(l.sources[0].metadata.signedBy).toEqual([k.fingerprint]);
    expect(l.packages.map((p) => p.name)).toContain(PKG);
  });
});

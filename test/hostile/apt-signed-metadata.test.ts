/**
 * Hostile apt metadata, signature side: rollback (an older, validly signed InRelease), wrong
 * signers (untrusted, expired when it signed, revoked), freeze and mix-and-match. Each lock either
 * fails with a SIGNATURE error naming the file, the URL and the cause, or (where the data is
 * genuine) succeeds.
 */
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { expiringKey } from '../support/expiring-key.js';
import { aptSpec, copyFixtureRepo, expectClear, expectCleanCache, failure, fixturePackages, NOW, readSecret, scratch, UNTRUSTED_SECRET, writeSignedSuite } from './harness.js';

let repo: string;
let m: Mirror;
let genuine: Awaited<ReturnType<typeof lock>>;
let key: openpgp.PrivateKey;
let packages: Buffer;

beforeAll(async () => {
  repo = await copyFixtureRepo();
  m = await startMirror({ root: repo });
  key = await readSecret();
  packages = Buffer.from(await fixturePackages());
  genuine = await lock(aptSpec(m.url, ['rg-tool']), { cacheDir: await scratch(), now: NOW });
});
afterAll(async () => m?.close());

const dist = (suite: string) => join(repo, 'debian/dists', suite);

describe('rollback: an older, validly signed InRelease', () => {
  it('is refused against the lock it would replace, naming source, URL and both dates', async () => {
    // A second suite folder holds the replayed Release; the mirror answers bookworm's paths from it.
    await writeSignedSuite(dist('bookworm-old'), { suite: 'stable', codename: 'bookworm', date: new Date('2025-05-10T09:12:00Z'), files: { 'main/binary-amd64/Packages': packages } }, key);
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: '/debian/dists/bookworm-old/InRelease' });
    try {
      const cache = await scratch();
      const e = await failure(lock(aptSpec(m.url, ['rg-tool']), { cacheDir: cache, now: NOW, previous: { lock: genuine, file: 'repro-get.lock.yaml' } }));
      expectClear(e, 'SIGNATURE', 'debian/bookworm', 'dists/bookworm/InRelease', `${m.url}/debian/`, '2025-05-10T09:12:00Z', '2025-05-17T09:12:00Z', /rollback/);
      await expectCleanCache(cache);
      // Without a previous lock there is nothing to compare with: the replay verifies (documented).
      const l = await lock(aptSpec(m.url, ['rg-tool']), { cacheDir: cache, now: NOW });
      expect(l.sources[0].metadata.date).toBe('2025-05-10T09:12:00Z');
      // Going back on purpose (an earlier --snapshot) is the user's call.
      const back = await lock(aptSpec(m.url, ['rg-tool'], { snapshot: '2025-05-12T00:00:00Z' }), { cacheDir: cache, now: NOW, previous: { lock: genuine, file: 'x' } });
      expect(back.snapshot).toBe('2025-05-12T00:00:00Z');
    } finally {
      m.clearFaults();
    }
  });
});

describe('wrong signer', () => {

  async function hostileSuite(name: string, signer: openpgp.PrivateKey, signedAt: Date, releaseDate = signedAt): Promise<void> {
    await writeSignedSuite(dist(name), { date: releaseDate, files: { 'main/binary-amd64/Packages': packages } }, signer, signedAt);
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: `/debian/dists/${name}/InRelease` });
  }

  it('an untrusted key: refused, naming the InRelease URL and the key', async () => {
    const untrusted = await readSecret(UNTRUSTED_SECRET);
    await hostileSuite('bookworm-untrusted', untrusted, new Date('2025-05-17T09:12:00Z'));
    try {
      const cache = await scratch();
      const e = await failure(lock(aptSpec(m.url, ['rg-tool']), { cacheDir: cache, now: NOW }));
      expectClear(e, 'SIGNATURE', `${m.url}/debian/dists/bookworm/InRelease`, /no valid signature from a trusted key/, /8FF00051A4FE17D1/, /not in the trusted keyring/);
      await expectCleanCache(cache);
    } finally {
      m.clearFaults();
    }
  });

  it('a key that had expired when it signed: refused; the same key inside its validity: accepted', async () => {
    // Trusted: a key that expires on 2025-03-02; `privateKey` signs with the same key material.
    const { signer: privateKey, publicKey } = await expiringKey(new Date('2025-01-01T00:00:00Z'), 60);
    const keyring = join(await scratch(), 'expiring.asc');
    await writeFile(keyring, publicKey.armor());
    await hostileSuite('bookworm-expired', privateKey, new Date('2025-05-17T09:12:00Z'));
    try {
      const e = await failure(lock(aptSpec(m.url, ['rg-tool'], { keyrings: [keyring] }), { cacheDir: await scratch(), now: NOW }));
      expectClear(e, 'SIGNATURE', `${m.url}/debian/dists/bookworm/InRelease`, /does not verify/, /expired/i);
    } finally {
      m.clearFaults();
    }
    await hostileSuite('bookworm-expired-ok', privateKey, new Date('2025-02-01T00:00:00Z'));
    try {
      const l = await lock(aptSpec(m.url, ['rg-tool'], { keyrings: [keyring] }), { cacheDir: await scratch(), now: NOW });
      expect(l.sources[0].metadata.signedBy).toEqual([privateKey.getFingerprint().toUpperCase()]);
    } finally {
      m.clearFaults();
    }
  });

  it('a revoked key: refused even for data it signed before the revocation', async () => {
    const { publicKey: revoked } = await openpgp.revokeKey({ key: key, date: new Date('2025-06-01T00:00:00Z'), format: 'object' });
    const keyring = join(await scratch(), 'revoked.asc');
    await writeFile(keyring, revoked.toPublic().armor());
    const e = await failure(lock(aptSpec(m.url, ['rg-tool'], { keyrings: [keyring] }), { cacheDir: await scratch(), now: NOW }));
    expectClear(e, 'SIGNATURE', `${m.url}/debian/dists/bookworm/InRelease`, /revoked/i);
  });
});

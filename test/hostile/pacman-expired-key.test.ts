/**
 * pacman, wrong signer: a packager key that expired. A TEST ONLY key (made here) is trusted through
 * a keyring copy in the distros folder, as Arch's keyring is; it is valid 2024-01-01..2024-03-01 and
 * the snapshot is 2024-05-01, after its expiry. rg-libfoo's %PGPSIG% in the served core.db is
 * replaced by its signature over the genuine package file:
 * - made while the key was valid: lock (header check against the keyring at the snapshot) and
 *   install (full verification at the signature's creation time) both accept it;
 * - made after the key expired: lock refuses it (the header check reads the key's expiry from its
 *   self-signatures), naming the package, the database URL and the key; and install, given such a
 *   lock (written before that check existed, or edited), refuses it too before pacman runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installLocked } from '../../src/app/install.js';
import { lock } from '../../src/app/lock.js';
import { FIXTURE_REPO } from '../families/pacman/support/fixture.js';
import { pacmanMissing } from '../families/pacman/support/pacman-oracle.js';
import { expiringKey, signBinary, writeKeyring, type ExpiringKey } from '../support/expiring-key.js';
import { expectClear, expectCleanCache, failure, scratch, tree } from './harness.js';
import { DB, dbEntries, pacmanWorld, withField, writeAndFetch, writeTar, type PacmanWorld } from './pacman-setup.js';

const LIBFOO = 'rg-libfoo-1.2-1';
const LIBFOO_FILE = `${LIBFOO}-x86_64.pkg.tar.zst`;
const net = { retries: 0, backoffMs: 1, timeoutMs: 2000 };

let w: PacmanWorld;
let k: ExpiringKey;
let libfoo: Buffer;
let core: Awaited<ReturnType<typeof dbEntries>>;

beforeAll(async () => {
  w = await pacmanWorld();
  core = await dbEntries('core');
  libfoo = await readFile(join(FIXTURE_REPO, 'core/os/x86_64', LIBFOO_FILE));
  k = await expiringKey(new Date('2024-01-01T00:00:00Z'), 60);
  // Trust the key as a keyring copy of the distro, as Arch's own packager keys are.
  const dir = process.env.REPRO_GET_DISTROS!;
  const arch = YAML.parse(await readFile(join(dir, 'arch.yaml'), 'utf8'));
  const none = join(dir, 'expiring-none-revoked');
  await writeFile(none, '');
  arch.keyrings.push({ date: '2024-01-01', keys: await writeKeyring(k, dir), revoked: none });
  await writeFile(join(dir, 'arch.yaml'), YAML.stringify(arch));
});
afterAll(async () => w?.close());

/** Serves core.db from both servers with rg-libfoo signed by the expiring key at `signedAt`; returns the base64 signature. */
async function serveSignedAt(signedAt: Date): Promise<string> {
  const sig = Buffer.from(await signBinary(libfoo, k.signer, signedAt)).toString('base64');
  const body = gzipSync(writeTar(withField(core, LIBFOO, 'PGPSIG', sig)));
  for (const m of [w.bad, w.good]) {
    m.clearFaults();
    m.fault(DB('core'), { kind: 'replace', body });
  }
  return sig;
}

/** Locks, writes the lock and fetches its artifacts; returns what install needs. */
async function lockAndFetch(sig: string): Promise<{ lockPath: string; cache: string }> {
  const cache = await scratch();
  const l = await lock(w.spec(), { cacheDir: cache, ...net });
  expect(l.snapshot).toBe('2024-05-01T00:00:00Z');
  expect(l.packages.find((p) => p.name === 'rg-libfoo')!.signature).toBe(sig);
  return { lockPath: await writeAndFetch(l, cache, net), cache };
}

describe('pacman: a packager key that has expired', () => {
  it('signature made while the key was valid, checked after it expired: accepted at lock and at install (snapshots outlive keys)', async () => {
    expect(k.expires.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    const sig = await serveSignedAt(new Date('2024-02-01T00:00:00Z'));
    const { lockPath, cache } = await lockAndFetch(sig);
    const logs: string[] = [];
    const root = await scratch('rg-hostile-pacman-root-');
    const done = await installLocked(lockPath, { machineArch: 'x86_64', env: {}, cacheDir: cache, root, dryRun: true, log: (s: string) => logs.push(s), ...net }).catch((e: Error) => e);
    // Signatures are verified first; the dry run's plan then asks pacman -Q what is installed.
    expect(logs).toContainEqual(expect.stringMatching(/^verified \d+ package signature\(s\) against the keyring as of 2024-05-01$/));
    if (!pacmanMissing()) {
      if (done instanceof Error) throw done;
      expect(done.steps.flat().map((p) => p.name)).toContain('rg-libfoo');
    }
    await expectCleanCache(cache);
  });

  it('signature made after the key expired: refused at lock and at install, naming the package file and the key', async () => {
    const good = await serveSignedAt(new Date('2024-02-01T00:00:00Z'));
    const { lockPath, cache } = await lockAndFetch(good);
    const bad = await serveSignedAt(new Date('2024-04-01T00:00:00Z'));
    const e = await failure(lock(w.spec(), { cacheDir: await scratch(), ...net }));
    expectClear(e, 'SIGNATURE', 'core/rg-libfoo 1.2-1', k.fingerprint, /at 2024-04-01T00:00:00.000Z, after the key expired \(2024-03-01T00:00:00.000Z\)/, `The entry is ${LIBFOO_FILE} in ${w.bad.url}${DB('core')}.`);
    // Install's own check: the lock edited to carry the late signature.
    await writeFile(lockPath, (await readFile(lockPath, 'utf8')).replace(good, bad));
    const root = await scratch('rg-hostile-pacman-root-');
    await writeFile(join(root, 'marker'), '');
    const before = await tree(root);
    for (const dryRun of [true, false]) {
      const e = await failure(installLocked(lockPath, { machineArch: 'x86_64', env: {}, cacheDir: cache, root, dryRun, ...net }));
      expectClear(e, 'SIGNATURE', LIBFOO_FILE, k.fingerprint, /does not verify/, /expired/i);
    }
    expect(await tree(root)).toEqual(before);
    await expectCleanCache(cache);
  });
});

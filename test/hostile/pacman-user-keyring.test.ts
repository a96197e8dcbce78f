/**
 * pacman, a package signed by the user's own packager key (a repository of their own): trusted only
 * through `--keyring`. The lock accepts it with the key (`lock --keyring`), and install, which
 * verifies every package signature again, needs the same key (`install --keyring`): without it the
 * package is refused before pacman runs; with it, it verifies. TEST ONLY key, made here.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installLocked } from '../../src/app/install.js';
import { lock } from '../../src/app/lock.js';
import { FIXTURE_REPO } from '../families/pacman/support/fixture.js';
import { expiringKey, signBinary, writeKeyring, type ExpiringKey } from '../support/expiring-key.js';
import { expectClear, failure, scratch, tree } from './harness.js';
import { DB, dbEntries, pacmanWorld, withField, writeAndFetch, writeTar, type PacmanWorld } from './pacman-setup.js';

const LIBFOO = 'rg-libfoo-1.2-1';
const LIBFOO_FILE = `${LIBFOO}-x86_64.pkg.tar.zst`;
const net = { retries: 0, backoffMs: 1, timeoutMs: 2000 };

let w: PacmanWorld;
let k: ExpiringKey;
let keyFile: string;

beforeAll(async () => {
  w = await pacmanWorld();
  k = await expiringKey(new Date('2024-01-01T00:00:00Z'), 3650);
  keyFile = await writeKeyring(k, await mkdtemp(join(tmpdir(), 'rg-user-key-')));
  const libfoo = await readFile(join(FIXTURE_REPO, 'core/os/x86_64', LIBFOO_FILE));
  const sig = Buffer.from(await signBinary(libfoo, k.signer, new Date('2024-02-01T00:00:00Z'))).toString('base64');
  const body = gzipSync(writeTar(withField(await dbEntries('core'), LIBFOO, 'PGPSIG', sig)));
  for (const m of [w.bad, w.good]) m.fault(DB('core'), { kind: 'replace', body });
});
afterAll(async () => w?.close());

describe('pacman: a package signed by the user\'s own key', () => {
  it('lock needs --keyring; install verifies it only with the same --keyring, and installs nothing without', async () => {
    const cache = await scratch();
    expectClear(await failure(lock(w.spec(), { cacheDir: cache, ...net })), 'SIGNATURE', 'rg-libfoo');
    const l = await lock({ ...w.spec(), keyrings: [keyFile] }, { cacheDir: cache, ...net });
    const lockPath = await writeAndFetch(l, cache, net);

    const root = await scratch('rg-hostile-pacman-root-');
    await writeFile(join(root, 'marker'), '');
    const before = await tree(root);
    const opts = { machineArch: 'x86_64', env: {}, cacheDir: cache, root, dryRun: true, ...net };
    expectClear(await failure(installLocked(lockPath, opts)), 'SIGNATURE', LIBFOO_FILE, k.fingerprint.slice(-16));
    expect(await tree(root)).toEqual(before);

    const logs: string[] = [];
    await installLocked(lockPath, { ...opts, keyrings: [keyFile], log: (s: string) => logs.push(s) }).catch(() => undefined); // the dry run's plan needs pacman -Q
    expect(logs).toContainEqual(expect.stringMatching(/^verified \d+ package signature\(s\) against the keyring as of 2024-05-01$/));
  });
});

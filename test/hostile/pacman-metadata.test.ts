/**
 * A hostile Arch mirror serving doctored databases (Arch databases are unsigned, so the mirror can
 * serve anything it likes): package file names escaping the repository folder, a decompression
 * bomb, a 100 MB line, a field with too many values, and tampered package signatures. Each is
 * refused with a typed error naming the database, the URL it came from (or the package) and the
 * cause; a tampered %PGPSIG% that still names a trusted key gets through the lock's header check
 * but is refused by install's full check before pacman runs. Nothing is installed, and the cache
 * holds only files that hash to their names.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installLocked } from '../../src/app/install.js';
import { lock } from '../../src/app/lock.js';
import { FIXTURE_REPO, UNTRUSTED_SECRET } from '../families/pacman/support/fixture.js';
import type { TarFile } from '../families/pacman/support/tar-writer.js';
import { expectClear, expectCleanCache, failure, scratch, tree } from './harness.js';
import { DB, dbEntries, pacmanWorld, withField, writeAndFetch, writeTar, type PacmanWorld } from './pacman-setup.js';

let w: PacmanWorld;
let core: TarFile[];
beforeAll(async () => {
  w = await pacmanWorld();
  core = await dbEntries('core');
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.bad.clearFaults();
  w.good.clearFaults();
});

const LIBFOO = 'rg-libfoo-1.2-1';
const LIBFOO_FILE = `${LIBFOO}-x86_64.pkg.tar.zst`;
const net = { retries: 0, backoffMs: 1, timeoutMs: 2000 };

/** Both the mirror and the archive day URL serve `body` as core.db (a corrupt mirror alone is cured by the archive). */
const serveCore = (body: Buffer) => {
  for (const m of [w.bad, w.good]) {
    m.clearFaults();
    m.fault(DB('core'), { kind: 'replace', body });
  }
};
const gz = (entries: TarFile[]) => gzipSync(writeTar(entries));

async function refusedLock(code: string | RegExp, ...mentions: (string | RegExp)[]): Promise<void> {
  const cache = await scratch();
  const e = await failure(lock(w.spec(), { cacheDir: cache, ...net }));
  expectClear(e, code, ...mentions);
  // A database refusal names both servers: the mirror's copy was refused, then the archive's.
  if (e.code !== 'SIGNATURE') expect(e.message).toContain(`${w.good.url}${DB('core')}`);
  await expectCleanCache(cache);
}

describe('pacman: database entries pointing outside the repository', () => {
  it('served by the mirror alone: refused there, and the archive day URL cures it (the genuine lock)', async () => {
    const clean = await lock(w.spec(), { cacheDir: await scratch(), ...net });
    w.bad.fault(DB('core'), { kind: 'replace', body: gz(withField(core, LIBFOO, 'FILENAME', '../../../etc/passwd')) });
    const cache = await scratch();
    expect(await lock(w.spec(), { cacheDir: cache, ...net })).toEqual(clean);
    await expectCleanCache(cache);
  });

  it.each(['../../../etc/passwd', '/etc/passwd', 'sub/../../x.pkg.tar.zst', `${LIBFOO_FILE}\0.sig`])('a FILENAME of %j refuses the whole database, naming file, URL and entry', async (bad) => {
    serveCore(gz(withField(core, LIBFOO, 'FILENAME', bad)));
    await refusedLock('FORMAT', 'core.db', `${w.bad.url}${DB('core')}`, `${LIBFOO}/desc`, /is not a plain file name/);
  });

  it('a folder escaping the database (../) is refused', async () => {
    serveCore(gz([...core, { path: '../evil/', type: '5' }, { path: '../evil/desc', data: '%NAME%\nevil\n' }]));
    await refusedLock('FORMAT', 'core.db', `${w.bad.url}${DB('core')}`, /unexpected entry "\.\.\//);
  });
});

describe('pacman: bombs, huge lines and fields', () => {
  it('a decompression bomb (64 MiB of zeros in 64 KiB of gzip) is cut off by the ratio bound', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
    expect(bomb.length).toBeLessThan((64 << 20) / 200);
    serveCore(bomb);
    await refusedLock('LIMIT', 'core.db', `${w.bad.url}${DB('core')}`, /bomb|ratio|exceeds|limit/i);
  });

  it('a 100 MB line in a plain (uncompressed) database: LIMIT at the tar member bound; a 1 MB line at the line bound', async () => {
    serveCore(writeTar(withField(core, LIBFOO, 'DESC', Buffer.alloc(100_000_000, 'a'))));
    await refusedLock('LIMIT', 'core.db', `${w.bad.url}${DB('core')}`, new RegExp(`${LIBFOO}/desc is 1000009\\d\\d bytes, more than 16777216`));
    serveCore(writeTar(withField(core, LIBFOO, 'DESC', Buffer.alloc(1_000_000, 'a'))));
    await refusedLock('LIMIT', 'core.db', `${w.bad.url}${DB('core')}`, new RegExp(`${LIBFOO}/desc:\\d+: line of 1000000 characters exceeds 65536`));
  });

  it('a field with more than 100,000 values: LIMIT naming file, entry and line', async () => {
    const many = Array.from({ length: 100_001 }, (_, i) => `dep${i}`).join('\n');
    serveCore(gz(withField(core, LIBFOO, 'DEPENDS', many, true)));
    await refusedLock('LIMIT', 'core.db', `${w.bad.url}${DB('core')}`, new RegExp(`${LIBFOO}/desc:\\d+: %DEPENDS% has more than 100000 values`));
  });
});

describe('pacman: package signature tampering in the unsigned database', () => {
  it('a %PGPSIG% by a key no keyring trusts is refused at lock, naming the package, its file, the database URL and the key', async () => {
    const key = await openpgp.readPrivateKey({ armoredKey: await readFile(UNTRUSTED_SECRET, 'utf8') });
    const file = await readFile(join(FIXTURE_REPO, 'core/os/x86_64', LIBFOO_FILE));
    const sig = await openpgp.sign({ message: await openpgp.createMessage({ binary: file }), signingKeys: key, detached: true, format: 'binary', date: new Date('2024-04-01T00:00:00Z') });
    serveCore(gz(withField(core, LIBFOO, 'PGPSIG', Buffer.from(sig as Uint8Array).toString('base64'))));
    await refusedLock('SIGNATURE', 'core/rg-libfoo 1.2-1', /signed by key [0-9A-F]+, which is in no trusted keyring/, `The entry is ${LIBFOO_FILE} in ${w.bad.url}${DB('core')}.`);
  });

  it('another package\'s genuine %PGPSIG%: the lock\'s header check passes, install refuses it before pacman runs', async () => {
    const libbar = core.find((e) => e.path === 'rg-libbar-1.0-1/desc')!.data!.toString();
    const stolen = /%PGPSIG%\n([^\n]+)\n/.exec(libbar)![1];
    serveCore(gz(withField(core, LIBFOO, 'PGPSIG', stolen)));
    const cache = await scratch();
    const l = await lock(w.spec(), { cacheDir: cache, ...net });
    expect(l.packages.find((p) => p.name === 'rg-libfoo')!.signature).toBe(stolen);
    const lockPath = await writeAndFetch(l, cache, net);
    const root = await scratch('rg-hostile-pacman-root-');
    await writeFile(join(root, 'marker'), '');
    const before = await tree(root);
    for (const dryRun of [true, false]) {
      const e = await failure(installLocked(lockPath, { machineArch: 'x86_64', env: {}, cacheDir: cache, root, dryRun, ...net }));
      expectClear(e, 'SIGNATURE', LIBFOO_FILE, /does not verify/);
    }
    expect(await tree(root)).toEqual(before);
    await expectCleanCache(cache);
  });
});

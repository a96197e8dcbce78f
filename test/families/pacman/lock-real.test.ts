/**
 * `lock --distro arch` end to end over the real September 2022 databases, served on 127.0.0.1 in
 * the layout of an Arch mirror (`core/os/x86_64/core.db`): the lockfile's URLs on the archive and
 * its permanent package store, signatures checked against the real Arch keyring, the base system,
 * the errors a user meets.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import type { ReproError } from '../../../src/core/errors.js';
import { lockfileSchema, type Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { realDb } from './support/real-arch.js';

let mirror: Mirror;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rg-pacman-lock-'));
  for (const id of ['core', 'extra', 'multilib']) {
    await mkdir(join(work, 'mirror', id, 'os', 'x86_64'), { recursive: true });
    await copyFile(realDb(id), join(work, 'mirror', id, 'os', 'x86_64', `${id}.db`));
  }
  mirror = await startMirror({ root: join(work, 'mirror') });
});
afterAll(async () => {
  await mirror?.close();
  await rm(work, { recursive: true, force: true });
});

function spec(packages: string[], o: Partial<Spec> = {}): Spec {
  return {
    dir: work,
    distro: 'arch',
    snapshot: '2022-09-11T00:00:00Z',
    architectures: [],
    suites: ['core', 'extra'],
    mirrors: [{ url: `${mirror.url}/` }],
    keyrings: [],
    repos: [],
    packages: packages.map((p) => parsePackageRequest(p) as Exclude<ReturnType<typeof parsePackageRequest>, string>),
    ...o,
  };
}
const run = (s: Spec) => lock(s, { cacheDir: join(work, 'cache'), retries: 0 });
const failure = async (s: Spec): Promise<ReproError> => run(s).then(() => { throw new Error('expected a failure'); }, (e: ReproError) => e);

describe('lock --distro arch (real 2022 databases on a loopback mirror)', () => {
  let l: Lockfile;
  beforeAll(async () => {
    l = await run(spec(['vim', 'curl']));
  });

  it('writes a valid lockfile whose URLs are on the archive day and the permanent store', () => {
    expect(lockfileSchema.parse(l)).toBeTruthy();
    expect(l.family).toBe('pacman');
    expect(l.architectures).toEqual(['x86_64']);
    const vim = l.packages.find((p) => p.name === 'vim')!;
    expect(vim.url).toBe(`https://archive.archlinux.org/repos/2022/09/11/extra/os/x86_64/${vim.filename}`);
    expect(vim.mirror).toBe(`${mirror.url}/extra/os/x86_64/${vim.filename}`);
    expect(vim.fallbacks).toEqual([`https://archive.archlinux.org/packages/v/vim/${vim.filename}`]);
    expect(vim.requested).toBe(true);
    expect(vim.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(l.sources.map((s) => [s.id, s.url, s.metadata.path, s.metadata.signedBy])).toEqual([
      ['core', 'https://archive.archlinux.org/repos/2022/09/11/core/os/x86_64/', 'core.db', []],
      ['extra', 'https://archive.archlinux.org/repos/2022/09/11/extra/os/x86_64/', 'extra.db', []],
    ]);
  });

  it('leaves the base closure out, records it as assumed installed, and links dependencies', () => {
    expect(l.options.base).toBe('default');
    expect(l.assumedInstalled).toEqual(expect.arrayContaining([expect.stringMatching(/^glibc=/), expect.stringMatching(/^base=/)]));
    expect(l.packages.some((p) => p.name === 'glibc')).toBe(false);
    const vim = l.packages.find((p) => p.name === 'vim')!;
    expect(vim.depends).toEqual(expect.arrayContaining(['vim-runtime', 'glibc']));
    expect(l.packages.find((p) => p.name === 'vim-runtime')!.pulledInBy).toEqual(['vim']);
  });

  it('is deterministic and cache-warm the second time', async () => {
    const again = await run(spec(['vim', 'curl']));
    expect(serializeLockfile(again)).toBe(serializeLockfile(l));
  });

  it('reads the parsed databases back from the cache, and ignores a damaged or tampered entry', async () => {
    const derived = join(work, 'cache', 'derived');
    const entries = (await readdir(derived)).filter((f) => /^[0-9a-f]{64}$/.test(f));
    expect(entries.length).toBeGreaterThanOrEqual(2); // core and extra
    const [first, second] = entries;
    await writeFile(join(derived, first), '{ not json');
    const evil = JSON.parse(await readFile(join(derived, second), 'utf8'));
    evil[0].filename = '../../etc/cron.d/evil';
    await writeFile(join(derived, second), JSON.stringify(evil));
    const again = await run(spec(['vim', 'curl']));
    expect(serializeLockfile(again)).toBe(serializeLockfile(l));
    // Both were parsed again from the database and written back whole.
    expect(JSON.parse(await readFile(join(derived, first), 'utf8')).length).toBeGreaterThan(200);
    expect(await readFile(join(derived, second), 'utf8')).not.toContain('../../etc');
  });

  it('re-resolves offline from the databases the lock recorded (lock --check), not without them', async () => {
    mirror.fault(() => true, { kind: 'status', status: 503 });
    try {
      const pinnedRoots = new Map(l.sources.map((s) => [s.id, s.metadata.sha256]));
      const again = await lock(spec(['vim', 'curl']), { cacheDir: join(work, 'cache'), retries: 0, pinnedRoots });
      expect(serializeLockfile(again)).toBe(serializeLockfile(l));
      expect((await failure(spec(['vim', 'curl']))).code).toBe('NETWORK');
    } finally {
      mirror.clearFaults();
    }
  });

  it('takes the base from a `pacman -Q` listing', async () => {
    const listing = join(work, 'installed.txt');
    await writeFile(listing, 'filesystem 2021.12.07-1\nglibc 2.36-3\nbash 5.1.016-1\nncurses 6.3-3\nreadline 8.1.002-1\n');
    const r = await run(spec(['vim'], { installed: listing }));
    expect(r.options.base).toMatch(/^installed:sha256:[0-9a-f]{64}$/);
    expect(r.assumedInstalled).toEqual(['bash=5.1.016-1', 'filesystem=2021.12.07-1', 'glibc=2.36-3', 'ncurses=6.3-3', 'readline=8.1.002-1']);
    expect(r.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['vim', 'gpm', 'libgcrypt']));
  });

  it('refuses a package signed by a key revoked on or before the snapshot (real 2023 revoked list)', async () => {
    // Packages of 2022 signed by keys the 2023-11-13 keyring revokes: fine for a 2022 snapshot
    // (l above includes them), refused when the snapshot says the keyring of 2023-11-13 applies.
    // alsa-lib 2022 was signed by a packager key that the 2023-11-13 keyring lists as revoked.
    expect((await run(spec(['alsa-lib']))).packages.map((p) => p.name)).toContain('alsa-lib');
    const e = await failure(spec(['alsa-lib'], { snapshot: '2023-12-01T00:00:00Z' }));
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toMatch(/extra\/alsa-lib .* is signed by key [0-9A-F]{40}, revoked in the Arch keyring of 2023-11-13/);
  });

  it('errors a user can act on: unknown names, missing versions, unsatisfiable dependencies', async () => {
    const nf = await failure(spec(['curll', 'vim']));
    expect(nf.code).toBe('NOT_FOUND');
    expect(nf.message).toMatch(/target not found: curll \(did you mean curl/);
    const nv = await failure(spec(['curl=7.0']));
    expect(nv.code).toBe('NO_VERSION');
    expect(nv.message).toMatch(/curl: no version 7\.0 \(available: 7\.85\.0-1 \(core\)\)/);
    const un = await failure(spec(['qt5-base']));
    expect(un.code).toBe('UNSATISFIABLE');
    expect(un.detail!.chain).toEqual(['qt5-base', 'libproxy', 'duktape']);
  });

  it('refuses a release, a missing snapshot and an unknown repository', async () => {
    expect((await failure(spec(['vim'], { distro: 'arch:2022' }))).message).toMatch(/rolling distro/);
    expect((await failure(spec(['vim'], { snapshot: undefined }))).message).toMatch(/no snapshot given/);
    expect((await failure(spec(['vim'], { suites: ['core', 'extr'] }))).message).toMatch(/no repository "extr".*Did you mean extra/);
  });

  it('refuses a database that is not there (community, before the 2023 merge)', async () => {
    const e = await failure(spec(['vim'], { suites: undefined }));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/community/);
  });
});

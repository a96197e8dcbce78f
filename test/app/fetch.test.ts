/**
 * `fetch` end to end against the loopback fixture mirror: the output folder holds exactly the
 * verified artifacts, SHA256SUMS (checked by the real sha256sum) and the lock; it stays untouched
 * when anything fails; and a malformed or foreign lock is refused before any request.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkArch, fetchLocked, machineArch, type FetchRunOptions } from '../../src/app/fetch.js';
import { ReproError } from '../../src/core/errors.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { FIXTURE_REPO, fixtureLock } from '../support/fixture-lock.js';

const PICKS = ['librgcore1', 'rg-coreutils', 'rg-tool', 'rg-data', 'rg-tool-doc', 'rg-openssl=3.0.16-1~deb12u1', 'rg-webfetch=7.88.1-10+deb12u1', 'rg-tzdata=2025b-0+deb12u1'];

let mirror: Mirror;
let dir: string;
let lockPath: string;
let lock: Lockfile;

beforeAll(async () => {
  mirror = await startMirror({ root: FIXTURE_REPO });
});
afterAll(async () => {
  await mirror.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repro-get-fetch-'));
  lock = fixtureLock(mirror.url, PICKS);
  lockPath = join(dir, 'repro-get.lock.yaml');
  await writeFile(lockPath, serializeLockfile(lock));
  mirror.clearFaults();
  mirror.requests.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = (o: Partial<FetchRunOptions> = {}): FetchRunOptions => ({ cacheDir: join(dir, 'cache'), retries: 1, backoffMs: 5, timeoutMs: 2000, machineArch: 'amd64', env: {}, ...o });
const basename = (f: string) => f.slice(f.lastIndexOf('/') + 1);

async function refused(p: Promise<unknown>, code: string, text: string | RegExp): Promise<ReproError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ReproError);
  expect((e as ReproError).code).toBe(code);
  expect((e as ReproError).message).toMatch(text);
  return e as ReproError;
}

describe('fetchLocked', () => {
  it('writes every verified artifact, SHA256SUMS that sha256sum -c accepts, and the lock', async () => {
    const out = join(dir, 'out');
    const r = await fetchLocked(lockPath, out, opts());
    expect(r).toMatchObject({ files: PICKS.length, downloaded: PICKS.length, cached: 0 });
    const names = lock.packages.map((p) => basename(p.filename)).sort();
    expect((await readdir(out)).sort()).toEqual([...names, 'SHA256SUMS', 'repro-get.lock.yaml'].sort());
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    expect(sums.trimEnd().split('\n').map((l) => l.split('  ')[1])).toEqual(names);
    expect(execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toMatch(new RegExp(`^(.*: OK\n){${PICKS.length}}$`));
    expect(await readFile(join(out, 'repro-get.lock.yaml'), 'utf8')).toBe(await readFile(lockPath, 'utf8'));
    // no staging folder left beside or inside the output
    expect((await readdir(dir)).filter((n) => n.startsWith('.repro-get'))).toEqual([]);
  });

  it('makes no HTTP request with a warm cache', async () => {
    await fetchLocked(lockPath, join(dir, 'one'), opts());
    mirror.requests.length = 0;
    const r = await fetchLocked(lockPath, join(dir, 'two'), opts());
    expect(mirror.requests).toEqual([]);
    expect(r).toMatchObject({ downloaded: 0, cached: PICKS.length });
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, 'two') }).length).toBeGreaterThan(0);
  });

  it('writes nothing to --out when one artifact fails, and keeps no partial file in the cache', async () => {
    const victim = lock.packages[2];
    mirror.fault(`/debian/${victim.filename}`, { kind: 'truncate', bytes: 64 });
    const out = join(dir, 'out');
    await mkdir(out);
    const e = await refused(fetchLocked(lockPath, out, opts()), 'NETWORK', victim.name);
    expect(e.message).toContain(`/debian/${victim.filename}`);
    expect(await readdir(out)).toEqual([]);
    expect(await readdir(join(dir, 'cache', 'tmp'))).toEqual([]);
    expect(existsSync(join(dir, 'cache', 'sha256', victim.sha256))).toBe(false);
  });

  it('does not create a missing --out folder when an artifact fails', async () => {
    mirror.fault(`/debian/${lock.packages[0].filename}`, { kind: 'flip', offset: 7 });
    await refused(fetchLocked(lockPath, join(dir, 'new', 'out'), opts()), 'HASH', /expected sha256/);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });

  it('replaces stale files in an existing --out folder', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const name = basename(lock.packages[0].filename);
    await writeFile(join(out, name), 'stale');
    await fetchLocked(lockPath, out, opts());
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
  });

  it('works with --no-cache and leaves the cache folder alone', async () => {
    const out = join(dir, 'out');
    const r = await fetchLocked(lockPath, out, opts({ cache: false }));
    expect(r.downloaded).toBe(PICKS.length);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
  });

  it('tries --mirror bases, then REPRO_GET_MIRROR ones, after the lock URL', async () => {
    const p = lock.packages[0];
    mirror.fault(`/debian/${p.filename}`, { kind: 'status', status: 503 });
    mirror.fault(`/alt/${p.filename}`, { kind: 'replace', body: await readFile(join(FIXTURE_REPO, 'debian', p.filename)) });
    await fetchLocked(lockPath, join(dir, 'out'), opts({ mirrors: [`${mirror.url}/nowhere`], env: { REPRO_GET_MIRROR: `${mirror.url}/alt` } }));
    const tried = mirror.requests.filter((q) => q.path.endsWith(basename(p.filename))).map((q) => `${q.status} ${q.path}`);
    expect(tried).toEqual([`503 /debian/${p.filename}`, `503 /debian/${p.filename}`, `404 /nowhere/${p.filename}`, `200 /alt/${p.filename}`]);
  });

  describe('refuses before any request', () => {
    const cases: [string, (t: string) => string, RegExp][] = [
      ['a malformed sha256', (t) => t.replace(/sha256: [0-9a-f]{64}/, 'sha256: 1234'), /sha256/],
      ['a non-HTTP URL', (t) => t.replace(/url: http:\/\/127\.0\.0\.1:\d+/, 'url: file://'), /http/],
      ['a filename leaving the folder', (t) => t.replace(/filename: \S+/, 'filename: ../../etc/passwd'), /relative path/],
      ['a newer lockfile format', (t) => t.replace(/lockfileVersion: \S+/, 'lockfileVersion: 2.0.0'), /newer than this repro-get understands/],
    ];
    for (const [what, edit, msg] of cases) {
      it(what, async () => {
        await writeFile(lockPath, edit(await readFile(lockPath, 'utf8')));
        const out = join(dir, 'out');
        await refused(fetchLocked(lockPath, out, opts()), 'LOCKFILE', msg);
        expect(mirror.requests).toEqual([]);
        expect(existsSync(out)).toBe(false);
      });
    }

    it('two packages whose files share a name', async () => {
      const twin = { ...lock.packages[1], name: 'rg-twin', sha256: 'f'.repeat(64), filename: lock.packages[0].filename.replace('pool/', 'pool/other/') };
      await writeFile(lockPath, serializeLockfile({ ...lock, packages: [...lock.packages, twin] }));
      await refused(fetchLocked(lockPath, join(dir, 'out'), opts()), 'LOCKFILE', /is the file name of both/);
      expect(mirror.requests).toEqual([]);
    });

    it('a lock for another architecture, unless --any-arch', async () => {
      await refused(fetchLocked(lockPath, join(dir, 'out'), opts({ machineArch: 'arm64' })), 'ARCH', /is for amd64, but this machine is arm64/);
      expect(mirror.requests).toEqual([]);
      await fetchLocked(lockPath, join(dir, 'out'), opts({ machineArch: 'arm64', anyArch: true }));
    });
  });

  it('maps node architectures to dpkg names', () => {
    expect(['x64', 'arm64', 'ia32', 'arm', 'ppc64', 's390x'].map((a) => machineArch('apt', a))).toEqual(['amd64', 'arm64', 'i386', 'armhf', 'ppc64el', 's390x']);
    const e = (() => {
      try {
        checkArch({ ...lock, architectures: ['arm64'] }, 'x.lock', 'amd64');
      } catch (x) {
        return x as ReproError;
      }
    })();
    expect(e?.code).toBe('ARCH');
    expect(e?.hint).toMatch(/repro-get lock --arch amd64/);
  });
});

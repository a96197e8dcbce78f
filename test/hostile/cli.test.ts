/**
 * The hostile cases through the built CLI (`npm run build` first): exit code 1, a message on
 * stderr naming the file, the URL and the cause, the lockfile on disk byte-for-byte unchanged after
 * a failed `lock`, no output folder after a failed `fetch`, nothing installed after a failed
 * `install`, and a clean cache.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as openpgp from 'openpgp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { fixtureIndex, fixtureLock } from '../support/fixture-lock.js';
import { aptSpec, cli, cliBuilt, copyFixtureRepo, expectCleanCache, FIXTURE_KEY, fixturePackages, NOW, readSecret, scratch, scratchRoot, tree, writeSignedSuite } from './harness.js';

const built = await cliBuilt();

/** Every URL the CLI says it tried is on loopback. */
function expectLoopbackOnly(text: string): void {
  expect((text.match(/\bhttps?:\/\/[^\s/:]+/g) ?? []).filter((u) => !u.endsWith('//127.0.0.1'))).toEqual([]);
}
let repo: string;
let m: Mirror;
let key: openpgp.PrivateKey;
let dir: string;
let oldLock: string;

beforeAll(async () => {
  repo = await copyFixtureRepo();
  m = await startMirror({ root: repo });
  key = await readSecret();
  oldLock = serializeLockfile(await lock(aptSpec(m.url, ['rg-tool']), { cacheDir: await scratch(), now: NOW }));
});
afterAll(async () => m?.close());
beforeEach(async () => {
  m.clearFaults();
  dir = await scratch('rg-hostile-cli-');
});

const lockArgs = (out: string, cache: string) => [
  'lock', '--distro', 'debian:bookworm', '--arch', 'amd64', '--snapshot', '20250520T000000Z', '--suite', 'bookworm',
  '--mirror', `${m.url}/debian/`, '--keyring', FIXTURE_KEY, '--cache', cache, '--retries', '0', '-o', out, 'rg-tool',
];

describe.runIf(built)('repro-get CLI against a hostile mirror', () => {
  it('lock: a replayed older InRelease exits 1, names file, URL and dates, and leaves the lockfile as it was', async () => {
    await writeSignedSuite(join(repo, 'debian/dists/bookworm-replay'), { date: new Date('2025-05-10T09:12:00Z'), files: { 'main/binary-amd64/Packages': Buffer.from(await fixturePackages()) } }, key);
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: '/debian/dists/bookworm-replay/InRelease' });
    const out = join(dir, 'repro-get.lock.yaml');
    await writeFile(out, oldLock);
    const cache = join(dir, 'cache');
    const r = await cli(lockArgs(out, cache), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dists/bookworm/InRelease');
    expect(r.stderr).toContain(`${m.url}/debian/`);
    expect(r.stderr).toMatch(/2025-05-10T09:12:00Z.*2025-05-17T09:12:00Z.*rollback/s);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    await expectCleanCache(cache);
  });

  it('lock: a tampered index or a dead mirror exits 1 and leaves the lockfile as it was', async () => {
    // A live lock (no --snapshot) of a suite valid until 2030: the mirror is the only URL, so the
    // failure never falls back to the public snapshot service.
    const xz = await readFile(join(repo, 'debian/dists/bookworm/main/binary-amd64/Packages.xz'));
    await writeSignedSuite(join(repo, 'debian/dists/bookworm-live'), { date: new Date('2025-05-17T09:12:00Z'), validUntil: new Date('2030-01-01T00:00:00Z'), files: { 'main/binary-amd64/Packages.xz': xz } }, key);
    const args = (out: string) => lockArgs(out, join(dir, 'cache')).filter((a, i, all) => a !== '--snapshot' && all[i - 1] !== '--snapshot');
    const out = join(dir, 'repro-get.lock.yaml');
    await writeFile(out, oldLock);
    m.fault('/debian/dists/bookworm/InRelease', { kind: 'redirect', location: '/debian/dists/bookworm-live/InRelease' });
    m.fault('/debian/dists/bookworm/main/binary-amd64/Packages.xz', { kind: 'flip', offset: 10 });
    let r = await cli(args(out), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Packages\.xz: sha256 mismatch from http:\/\/127\.0\.0\.1:\d+\/debian\/dists\/bookworm\/main\/binary-amd64\/Packages\.xz/);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    m.clearFaults();
    m.fault((p) => p.startsWith('/debian/dists/'), { kind: 'status', status: 503 });
    r = await cli(args(out), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${m.url}/debian/dists/bookworm/InRelease: HTTP 503`);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    await expectCleanCache(join(dir, 'cache'));
  });

  it('fetch and install: a tampered artifact exits 1, writes no folder and installs nothing', async () => {
    const victim = fixtureIndex().find((e) => e.name === 'rg-tool')!;
    const lockPath = join(dir, 'repro-get.lock.yaml');
    await writeFile(lockPath, serializeLockfile(fixtureLock(m.url, ['rg-tool', 'rg-data'])));
    m.fault(`/debian/${victim.filename}`, { kind: 'flip', offset: 0 });
    const cache = join(dir, 'cache');
    const out = join(dir, 'out');
    const f = await cli(['fetch', '-f', lockPath, '--out', out, '--cache', cache, '--retries', '0'], { cwd: dir });
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`rg-tool ${victim.version}`);
    expect(f.stderr).toContain(`${m.url}/debian/${victim.filename}: wrong content`);
    expectLoopbackOnly(f.stderr);
    expect(await stat(out).catch(() => 'absent')).toBe('absent');
    const root = await scratchRoot();
    const before = await tree(root);
    const i = await cli(['install', '-f', lockPath, '--root', root, '--cache', cache, '--retries', '0'], { cwd: dir });
    expect(i.code).toBe(1);
    expect(i.stderr).toContain(`${m.url}/debian/${victim.filename}: wrong content`);
    expect(await tree(root)).toEqual(before);
    await expectCleanCache(cache);
  });
});

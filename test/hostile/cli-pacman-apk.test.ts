/**
 * The pacman and apk hostile cases through the built CLI (`npm run build` first), hermetic (every
 * URL on loopback: pacman-setup.ts, apk-setup.ts): a failed `lock` exits 1, names the file, the
 * URLs and the cause on stderr, and leaves the lockfile on disk byte-for-byte as it was; a failed
 * `fetch` writes no folder; a failed `install` changes nothing in the root; the cache holds only
 * verified files.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../src/app/lock.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import type { Mirror } from '../support/mirror.js';
import { cli, cliBuilt, expectCleanCache, scratch, tree } from './harness.js';
import { apkWorld, INDEX, JQ, NOW, type ApkWorld } from './apk-setup.js';
import { DB, pacmanWorld, type PacmanWorld } from './pacman-setup.js';

const built = await cliBuilt();

function expectLoopbackOnly(text: string): void {
  expect((text.match(/\bhttps?:\/\/[^\s/:]+/g) ?? []).filter((u) => !u.endsWith('//127.0.0.1'))).toEqual([]);
}

/** fetch and install of `lockText` with `path` answering wrong bytes on both mirrors. */
async function tamperedArtifact(lockText: string, mirrors: Mirror[], path: string, label: string): Promise<void> {
  const dir = await scratch('rg-hostile-cli-');
  const lockPath = join(dir, 'repro-get.lock.yaml');
  await writeFile(lockPath, lockText);
  for (const m of mirrors) m.fault(path, { kind: 'flip', offset: 0 });
  const cache = join(dir, 'cache');
  const out = join(dir, 'out');
  const f = await cli(['fetch', '-f', lockPath, '--out', out, '--cache', cache, '--retries', '0'], { cwd: dir });
  expect(f.code).toBe(1);
  expect(f.stderr).toContain(label);
  for (const m of mirrors) expect(f.stderr).toContain(`${m.url}${path}: wrong content`);
  expectLoopbackOnly(f.stderr);
  expect(await stat(out).catch(() => 'absent')).toBe('absent');
  const root = await scratch('rg-hostile-cli-root-');
  await writeFile(join(root, 'marker'), '');
  const before = await tree(root);
  const i = await cli(['install', '-f', lockPath, '--root', root, '--cache', cache, '--retries', '0'], { cwd: dir });
  expect(i.code).toBe(1);
  expect(i.stderr).toContain(`${mirrors[0].url}${path}: wrong content`);
  expect(await tree(root)).toEqual(before);
  await expectCleanCache(cache);
}

describe.runIf(built)('repro-get CLI, pacman, against a hostile mirror and archive', () => {
  let w: PacmanWorld;
  let oldLock: string;
  beforeAll(async () => {
    w = await pacmanWorld();
    oldLock = serializeLockfile(await lock(w.spec(), { cacheDir: await scratch(), retries: 0 }));
  });
  afterAll(async () => w?.close());

  const lockArgs = (out: string, cache: string) => ['lock', '--distro', 'arch', '--snapshot', '2024-05-01', '--suite', 'core', '--suite', 'extra', '--mirror', `${w.bad.url}/`, '--cache', cache, '--retries', '0', '-o', out, 'rg-app'];

  it('lock: a corrupt or missing database everywhere exits 1, names it, and leaves the lockfile as it was', async () => {
    const dir = await scratch('rg-hostile-cli-');
    const out = join(dir, 'repro-get.lock.yaml');
    await writeFile(out, oldLock);
    const cache = join(dir, 'cache');
    for (const m of [w.bad, w.good]) m.fault(DB('core'), { kind: 'replace', body: gzipSync('not a tar') });
    let r = await cli(lockArgs(out, cache), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`core: core.db (${w.bad.url}${DB('core')})`);
    expect(r.stderr).toContain(`core: core.db (${w.good.url}${DB('core')})`);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    for (const m of [w.bad, w.good]) (m.clearFaults(), m.fault(DB('core'), { kind: 'status', status: 404 }));
    r = await cli(lockArgs(out, cache), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${w.bad.url}${DB('core')}: HTTP 404`);
    expect(r.stderr).toContain(`${w.good.url}${DB('core')}: HTTP 404`);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    await expectCleanCache(cache);
    w.bad.clearFaults();
    w.good.clearFaults();
  });

  it('fetch and install: a tampered package file exits 1, writes no folder and installs nothing', async () => {
    const l = await lock(w.spec(), { cacheDir: await scratch(), retries: 0 });
    const p = l.packages.find((x) => x.name === 'rg-libfoo')!;
    try {
      await tamperedArtifact(serializeLockfile(l), [w.bad, w.good], `/core/os/x86_64/${p.filename}`, `rg-libfoo ${p.version}`);
    } finally {
      w.bad.clearFaults();
      w.good.clearFaults();
    }
  });
});

describe.runIf(built)('repro-get CLI, apk, against a hostile mirror and permanent URL', () => {
  let w: ApkWorld;
  let oldLock: string;
  beforeAll(async () => {
    w = await apkWorld();
    oldLock = serializeLockfile(await lock(w.spec(), { cacheDir: await scratch(), retries: 0, now: NOW }));
  });
  afterAll(async () => w?.close());

  const lockArgs = (out: string, cache: string) => ['lock', '--distro', 'alpine:3.20', '--arch', 'x86_64', '--component', 'main', '--mirror', `${w.bad.url}/alpine/`, '--cache', cache, '--retries', '0', '-o', out, 'jq'];

  it('lock: an index with a broken signature or a dead server everywhere exits 1, names it, and leaves the lockfile as it was', async () => {
    const dir = await scratch('rg-hostile-cli-');
    const out = join(dir, 'repro-get.lock.yaml');
    await writeFile(out, oldLock);
    const cache = join(dir, 'cache');
    for (const m of [w.bad, w.good]) m.fault(INDEX, { kind: 'redirect', location: '/alpine/v3.20/tampered/x86_64/APKINDEX.tar.gz' });
    let r = await cli(lockArgs(out, cache), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${w.bad.url}${INDEX}`);
    expect(r.stderr).toContain(`${w.good.url}${INDEX}`);
    expect(r.stderr).toMatch(/signature/i);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    for (const m of [w.bad, w.good]) (m.clearFaults(), m.fault(INDEX, { kind: 'status', status: 503 }));
    r = await cli(lockArgs(out, cache), { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${w.bad.url}${INDEX}: HTTP 503`);
    expect(r.stderr).toContain(`${w.good.url}${INDEX}: HTTP 503`);
    expectLoopbackOnly(r.stderr);
    expect(await readFile(out, 'utf8')).toBe(oldLock);
    await expectCleanCache(cache);
    w.bad.clearFaults();
    w.good.clearFaults();
  });

  it('fetch and install: a tampered .apk exits 1, writes no folder and installs nothing', async () => {
    const l = await lock(w.spec(), { cacheDir: await scratch(), retries: 0, now: NOW });
    try {
      await tamperedArtifact(serializeLockfile(l), [w.bad, w.good], JQ, `jq ${l.packages[0].version}`);
    } finally {
      w.bad.clearFaults();
      w.good.clearFaults();
    }
  });
});

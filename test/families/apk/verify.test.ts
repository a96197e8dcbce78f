/**
 * `verify` for apk over the fixture Alpine tree on loopback: a fresh lock checks clean (from the
 * cache and from an empty one), an edited sha256 is reported with expected and actual, an index that
 * changed and a file that no longer matches its index entry are reported, a tampered index signature
 * fails with SIGNATURE as in lock, and the CLI exits 1 on problems. The lockfile is never written.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { verifyLock } from '../../../src/app/verify.js';
import { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { cliBuilt, expectVerifyCli } from '../../support/cli.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { buildFixtureTree, type FixtureTree } from './support/fixture-repo.js';

const MAIN = '/alpine/v3.20/main/x86_64/';
const NOW = new Date('2025-06-01T00:00:00Z');

let tree: FixtureTree;
let m: Mirror;
let work: string;
let distros: string;
let cacheDir: string;
let locked: Lockfile;
let lockFile: string;
const saved = process.env.REPRO_GET_DISTROS;

const spec = (): Spec => ({
  dir: work,
  distro: 'alpine:3.20',
  architectures: ['x86_64'],
  mirrors: [],
  keyrings: [],
  repos: [],
  packages: ['curl', 'jq', 'htop'].map((p) => parsePackageRequest(p) as never),
});

const write = async (l: Lockfile, name: string): Promise<string> => {
  const f = join(work, name);
  await writeFile(f, serializeLockfile(l));
  return f;
};
const verify = (file: string, cache = cacheDir) => verifyLock(file, { cacheDir: cache, now: NOW, retries: 0 });
const fixtureFile = (path: string) => readFile(join(tree.root, path));

beforeAll(async () => {
  tree = await buildFixtureTree();
  m = await startMirror({ root: tree.root });
  work = await mkdtemp(join(tmpdir(), 'rg-apk-verify-'));
  // The fixture distro points at this loopback mirror; lock and verify find it by name.
  distros = join(work, 'distros');
  await mkdir(distros);
  await writeFile(join(distros, 'alpine.yaml'), YAML.stringify(tree.distro(m.url)));
  process.env.REPRO_GET_DISTROS = distros;
  cacheDir = join(work, 'cache');
  locked = await lock(spec(), { cacheDir, now: NOW, retries: 0 });
  lockFile = await write(locked, 'fresh.lock.yaml');
});
afterAll(async () => {
  process.env.REPRO_GET_DISTROS = saved;
  await m?.close();
  await rm(tree.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('apk verify', () => {
  it('a fresh lock: every locked package checked, no problems, from the cache and from an empty one; the lockfile untouched', async () => {
    const before = await readFile(lockFile, 'utf8');
    expect(locked.packages.map((p) => `${p.source}/${p.name}`).sort()).toEqual([
      'alpine/v3.20/community/htop',
      'alpine/v3.20/main/curl',
      'alpine/v3.20/main/jq',
      'alpine/v3.20/main/libcurl',
      'alpine/v3.20/main/ncurses-libs',
      'alpine/v3.20/main/zlib',
    ]);
    const n = m.requests.length;
    expect(await verify(lockFile)).toEqual({ checked: 6, problems: [] });
    expect(m.requests.slice(n).every((r) => r.path.endsWith('/APKINDEX.tar.gz'))).toBe(true); // files found by their C: alias
    expect(await verify(lockFile, join(work, 'empty-cache'))).toEqual({ checked: 6, problems: [] });
    expect(m.requests.slice(n).filter((r) => r.path.endsWith('.apk'))).toHaveLength(6);
    expect(await readFile(lockFile, 'utf8')).toBe(before);
  });

  it('reports an edited sha256 with expected and actual', async () => {
    const p = locked.packages.find((x) => x.name === 'jq')!;
    const edited = 'a'.repeat(64);
    const file = await write({ ...locked, packages: locked.packages.map((x) => (x === p ? { ...x, sha256: edited } : x)) }, 'edited.lock.yaml');
    const r = await verify(file);
    expect(r.checked).toBe(6);
    expect(r.problems).toEqual([
      { what: `jq ${p.version} x86_64`, expected: `${edited} (${p.size} bytes, ${p.filename})`, actual: `${p.sha256} (${p.size} bytes, ${p.filename})` },
    ]);
  });

  it('reports an index that changed: its digest and every package it no longer lists', async () => {
    // community's index, validly signed, served as main's.
    m.fault(`${MAIN}APKINDEX.tar.gz`, { kind: 'replace', body: await fixtureFile('alpine/v3.20/community/x86_64/APKINDEX.tar.gz') });
    try {
      const r = await verify(lockFile);
      const main = locked.sources.find((s) => s.id === 'alpine/v3.20/main')!;
      expect(r.checked).toBe(6);
      expect(r.problems[0]).toMatchObject({ what: 'alpine/v3.20/main: APKINDEX.tar.gz', expected: main.metadata.sha256, note: expect.stringMatching(/changed since the lock was made/) });
      expect(r.problems.slice(1).map((x) => x.what.split(' ')[0])).toEqual(['curl', 'jq', 'libcurl', 'ncurses-libs', 'zlib']);
      expect(r.problems.slice(1).every((x) => x.actual === '(not in the signed index)' && x.note === 'no longer listed in alpine/v3.20/main')).toBe(true);
    } finally {
      m.clearFaults();
    }
  });

  it('reports a package file that no longer matches its signed index entry (another file, or altered bytes)', async () => {
    const jq = locked.packages.find((x) => x.name === 'jq')!;
    const curl = locked.packages.find((x) => x.name === 'curl')!;
    m.fault(`${MAIN}${jq.filename}`, { kind: 'replace', body: await fixtureFile(`${MAIN.slice(1)}zlib-1.3.1-r1.apk`) });
    m.fault(`${MAIN}${curl.filename}`, { kind: 'flip', offset: -64 });
    try {
      const r = await verify(lockFile, join(work, 'cold-cache')); // no C: alias: the files are downloaded
      expect(r.checked).toBe(6);
      expect(r.problems.map((x) => [x.what, x.actual])).toEqual([
        [`curl ${curl.version} x86_64`, '(no file matching the signed index)'],
        [`jq ${jq.version} x86_64`, '(no file matching the signed index)'],
      ]);
      expect(r.problems[0].note).toContain(curl.filename);
      expect(r.problems[1].note).toMatch(/jq-1\.7\.1-r0\.apk: size mismatch .*expected 1067/);
    } finally {
      m.clearFaults();
    }
  });

  it('fails with SIGNATURE when the index signature does not verify', async () => {
    m.fault(`${MAIN}APKINDEX.tar.gz`, { kind: 'replace', body: await fixtureFile('alpine/v3.20/tampered/x86_64/APKINDEX.tar.gz') });
    try {
      const e = await verify(lockFile).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(ReproError);
      expect((e as ReproError).code).toBe('SIGNATURE');
      expect((e as ReproError).message).toContain('signature does not verify with repro-get-fixture-5f3a1c2e.rsa.pub');
    } finally {
      m.clearFaults();
    }
  });

  it.skipIf(!cliBuilt())('CLI: exit 0 on a fresh lock, 1 with a MISMATCH line for an edited sha256', async () => {
    await expectVerifyCli({ fresh: lockFile, edited: join(work, 'edited.lock.yaml'), args: ['--cache', cacheDir], env: { REPRO_GET_DISTROS: distros }, checked: 6, mismatch: /^MISMATCH jq \S+ x86_64: expected a{64} .*, signed metadata says [0-9a-f]{64} /m });
  });
});

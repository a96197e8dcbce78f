/**
 * `verify` for dnf over a copy of the fixture repositories served on loopback: a fresh lock checks
 * clean, an edited sha256 is reported with expected and actual, a repository whose metadata changed
 * is reported, a bad repomd.xml signature fails as it fails lock (even with the good signature in
 * the cache), and the CLI exits 1 on problems. The lockfile is never written.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { verifyLock } from '../../../src/app/verify.js';
import { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { cliBuilt, expectVerifyCli } from '../../support/cli.js';
import { startMirror, type Mirror } from '../../support/mirror.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURE = here('../../../fixtures/dnf/repos');
const KEY = here('../../../fixtures/keys/fixture-archive.pub.asc');
const NOW = new Date('2026-01-01T00:00:00Z');

let m: Mirror;
let root: string;
let work: string;
let locked: Lockfile;
let lockFile: string;
let cacheDir: string;

const spec = (): Spec => ({
  dir: '/tmp',
  distro: 'rpm',
  architectures: ['x86_64'],
  mirrors: [],
  keyrings: [],
  repos: ['base', 'updates', 'extra'].map((id) => ({ id, url: `${m.url}/${id}/`, untrusted: false, keyrings: [KEY] })),
  packages: ['app-ver', 'app-file', 'app-weak'].map((p) => parsePackageRequest(p) as never),
});

const write = (l: Lockfile, name: string): string => {
  const f = join(work, name);
  writeFileSync(f, serializeLockfile(l));
  return f;
};
const verify = (file: string, cache = cacheDir) => verifyLock(file, { cacheDir: cache, keyrings: [KEY], now: NOW, retries: 0 });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rg-dnf-verify-'));
  root = join(work, 'repos');
  cpSync(FIXTURE, root, { recursive: true });
  m = await startMirror({ root });
  cacheDir = join(work, 'cache');
  locked = await lock(spec(), { cacheDir, now: NOW });
  lockFile = write(locked, 'fresh.lock.yaml');
});
afterAll(async () => {
  await m?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('dnf verify', () => {
  it('a fresh lock: every locked package checked, no problems, the lockfile untouched', async () => {
    const before = readFileSync(lockFile, 'utf8');
    const r = await verify(lockFile);
    expect(locked.packages.length).toBe(7);
    expect(r).toEqual({ checked: 7, problems: [] });
    expect(readFileSync(lockFile, 'utf8')).toBe(before);
  });

  it('reports a locked sha256 that differs from primary, with expected and actual', async () => {
    const p = locked.packages.find((x) => x.name === 'libv')!;
    const edited = 'f'.repeat(64);
    const file = write({ ...locked, packages: locked.packages.map((x) => (x === p ? { ...x, sha256: edited } : x)) }, 'edited.lock.yaml');
    const r = await verify(file);
    expect(r.checked).toBe(7);
    expect(r.problems).toEqual([
      { what: `libv ${p.version} x86_64`, expected: `${edited} (${p.size} bytes, ${p.filename})`, actual: `${p.sha256} (${p.size} bytes, ${p.filename})` },
    ]);
  });

  it('reports a repository whose metadata changed: the repomd.xml digest and every package it no longer lists', async () => {
    renameSync(join(root, 'base'), join(root, 'base.orig'));
    cpSync(join(FIXTURE, 'updates'), join(root, 'base'), { recursive: true }); // validly signed, other content
    try {
      const r = await verify(lockFile);
      const base = locked.sources.find((s) => s.id === 'base')!;
      const fromBase = locked.packages.filter((p) => p.source === 'base');
      expect(fromBase.length).toBeGreaterThan(0);
      expect(r.checked).toBe(7);
      expect(r.problems[0]).toMatchObject({ what: 'base: repodata/repomd.xml', expected: base.metadata.sha256, note: expect.stringMatching(/changed since the lock was made/) });
      expect(r.problems[0].actual).toMatch(/^[0-9a-f]{64}$/);
      expect(r.problems[0].actual).not.toBe(base.metadata.sha256);
      expect(r.problems.slice(1).map((x) => x.what)).toEqual(fromBase.map((p) => `${p.name} ${p.version} ${p.arch}`));
      expect(r.problems.slice(1).every((x) => x.actual === '(not in the signed index)' && x.note?.startsWith('no longer listed in base'))).toBe(true);
    } finally {
      rmSync(join(root, 'base'), { recursive: true, force: true });
      renameSync(join(root, 'base.orig'), join(root, 'base'));
    }
  });

  it('fails with SIGNATURE when repomd.xml.asc is by an untrusted key, though the cache holds the good one', async () => {
    m.fault('/base/repodata/repomd.xml.asc', { kind: 'replace', body: readFileSync(join(FIXTURE, 'badsig/repodata/repomd.xml.asc')) });
    try {
      const e = await verify(lockFile).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(ReproError);
      expect((e as ReproError).code).toBe('SIGNATURE');
      expect((e as ReproError).message).toMatch(/base\/repodata\/repomd\.xml: no valid signature from a trusted key/);
    } finally {
      m.clearFaults();
    }
  });

  it('fails with SIGNATURE when repomd.xml was altered under its signature', async () => {
    m.fault('/base/repodata/repomd.xml', { kind: 'flip', offset: 200 });
    try {
      const e = await verify(lockFile).then(() => undefined, (x: unknown) => x);
      expect((e as ReproError).code).toBe('SIGNATURE');
    } finally {
      m.clearFaults();
    }
  });

  it.skipIf(!cliBuilt())('CLI: exit 0 on a fresh lock, 1 with a MISMATCH line for an edited sha256', async () => {
    await expectVerifyCli({ fresh: lockFile, edited: join(work, 'edited.lock.yaml'), args: ['--keyring', KEY, '--cache', cacheDir], checked: 7, mismatch: /^MISMATCH libv \S+ x86_64: expected f{64} .*, signed metadata says [0-9a-f]{64} /m });
  });
});

/**
 * `verify` for pacman over the makepkg-built fixture repositories on loopback: a fresh lock checks
 * clean, an edited sha256 (or signature) is reported with expected and actual, a rebuilt database is
 * reported (digest, a package gone, a package with other bytes), a %PGPSIG% by a key no keyring
 * trusts fails with SIGNATURE as in lock, and the CLI exits 1 on problems. The lockfile is never written.
 */
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { verifyLock } from '../../../src/app/verify.js';
import { ReproError } from '../../../src/core/errors.js';
import type { Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { cliBuilt, expectVerifyCli } from '../../support/cli.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { FIXTURE_REPO, UNTRUSTED_SECRET, fixtureDb, fixtureDistros } from './support/fixture.js';
import { writeTar, type TarFile } from './support/tar-writer.js';

const CORE_DB = '/core/os/x86_64/core.db';
const NOW = new Date('2026-01-01T00:00:00Z');

let m: Mirror;
let work: string;
let distros: string;
let cacheDir: string;
let locked: Lockfile;
let lockFile: string;
const saved = process.env.REPRO_GET_DISTROS;

const spec = (): Spec => ({
  dir: '/tmp',
  distro: 'arch',
  snapshot: '2024-05-01T00:00:00Z',
  architectures: [],
  suites: ['core', 'extra'],
  mirrors: [{ url: `${m.url}/` }],
  keyrings: [],
  repos: [],
  packages: ['rg-app', 'rg-tool1', 'rg-tool2'].map((p) => parsePackageRequest(p) as never),
});

const write = (l: Lockfile, name: string): string => {
  const f = join(work, name);
  writeFileSync(f, serializeLockfile(l));
  return f;
};
const verify = (file: string) => verifyLock(file, { cacheDir, now: NOW, retries: 0 });

/** Entries of a plain ustar file as written by repo-add (short names), raw: enough to rewrite a fixture. */
function tarEntries(tar: Buffer): TarFile[] {
  const out: TarFile[] = [];
  for (let h = 0; h + 512 <= tar.length; ) {
    const head = tar.subarray(h, h + 512);
    if (head.every((b) => b === 0)) break;
    const field = (from: number, to: number) => head.toString('latin1', from, to).split('\0')[0];
    const size = parseInt(field(124, 136).trim(), 8);
    out.push({ path: field(0, 100), type: String.fromCharCode(head[156] || 0x30), data: tar.subarray(h + 512, h + 512 + size) });
    h += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The fixture core.db with each package's desc passed through `edit` (null drops the package). */
function rewrittenCore(edit: (name: string, desc: string) => string | null): Buffer {
  const entries = tarEntries(gunzipSync(readFileSync(fixtureDb('core'))));
  const dropped = new Set<string>();
  const files = entries.map((e): TarFile => {
    if (!e.path.endsWith('/desc')) return e;
    const text = String(e.data);
    const out = edit(/%NAME%\n(.*)\n/.exec(text)![1], text);
    if (out === null) dropped.add(e.path.split('/')[0]);
    return { ...e, data: out ?? '' };
  });
  return gzipSync(writeTar(files.filter((f) => !dropped.has(f.path.split('/')[0]))));
}

const setField = (desc: string, field: string, value: string): string => desc.replace(new RegExp(`(%${field}%\n)[^\n]*`), `$1${value}`);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rg-pacman-verify-'));
  distros = fixtureDistros();
  process.env.REPRO_GET_DISTROS = distros;
  m = await startMirror({ root: FIXTURE_REPO });
  cacheDir = join(work, 'cache');
  locked = await lock(spec(), { cacheDir, now: NOW, retries: 0 });
  lockFile = write(locked, 'fresh.lock.yaml');
});
afterAll(async () => {
  process.env.REPRO_GET_DISTROS = saved;
  await m?.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(distros, { recursive: true, force: true });
});

describe('pacman verify', () => {
  it('a fresh lock: every locked package checked, no problems, the lockfile untouched', async () => {
    const before = readFileSync(lockFile, 'utf8');
    expect(locked.packages.map((p) => `${p.source}/${p.name}`)).toEqual(['extra/rg-app', 'core/rg-libfoo', 'core/rg-libbar', 'core/rg-tool1', 'core/rg-tool2']);
    expect(await verify(lockFile)).toEqual({ checked: 5, problems: [] });
    expect(readFileSync(lockFile, 'utf8')).toBe(before);
  });

  it('reports an edited sha256 and an edited signature, with expected and actual', async () => {
    const p = locked.packages.find((x) => x.name === 'rg-tool1')!;
    const q = locked.packages.find((x) => x.name === 'rg-app')!;
    const other = locked.packages.find((x) => x.name === 'rg-tool2')!.signature!;
    const edited = '0'.repeat(64);
    const file = write({ ...locked, packages: locked.packages.map((x) => (x === p ? { ...x, sha256: edited } : x === q ? { ...x, signature: other } : x)) }, 'edited.lock.yaml');
    const r = await verify(file);
    expect(r.checked).toBe(5);
    expect(r.problems).toEqual([
      { what: `rg-tool1 ${p.version} any`, expected: `${edited} (${p.size} bytes, ${p.filename})`, actual: `${p.sha256} (${p.size} bytes, ${p.filename})` },
      { what: `rg-app ${q.version} x86_64: signature`, expected: expect.stringMatching(/^signature of \d+ bytes ending …/), actual: expect.stringMatching(/^signature of \d+ bytes ending …/), note: 'the package signature in the index differs from the locked one' },
    ]);
  });

  it('reports a database that changed: its digest, a package it no longer lists, one with other bytes', async () => {
    const tool2 = locked.packages.find((x) => x.name === 'rg-tool2')!;
    const other = 'e'.repeat(64);
    m.fault(CORE_DB, {
      kind: 'replace',
      body: rewrittenCore((name, desc) => (name === 'rg-tool1' ? null : name === 'rg-tool2' ? setField(setField(desc, 'SHA256SUM', other), 'CSIZE', '999') : desc)),
    });
    try {
      const r = await verify(lockFile);
      const core = locked.sources.find((s) => s.id === 'core')!;
      expect(r.checked).toBe(5);
      expect(r.problems.map((x) => x.what)).toEqual(['core: core.db', `rg-tool1 1.0-1 any`, `rg-tool2 ${tool2.version} any`]);
      expect(r.problems[0]).toMatchObject({ expected: core.metadata.sha256, note: expect.stringMatching(/changed since the lock was made/) });
      expect(r.problems[1]).toMatchObject({ actual: '(not in the signed index)', note: 'no longer listed in core' });
      expect(r.problems[2]).toMatchObject({ expected: `${tool2.sha256} (${tool2.size} bytes, ${tool2.filename})`, actual: `${other} (999 bytes, ${tool2.filename})` });
    } finally {
      m.clearFaults();
    }
  });

  it('fails with SIGNATURE when a locked package is now signed by a key no keyring trusts', async () => {
    const key = await openpgp.readPrivateKey({ armoredKey: readFileSync(UNTRUSTED_SECRET, 'utf8') });
    const sig = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from('other bytes') }), signingKeys: key, detached: true, format: 'binary' });
    m.fault(CORE_DB, { kind: 'replace', body: rewrittenCore((name, desc) => (name === 'rg-tool1' ? setField(desc, 'PGPSIG', Buffer.from(sig).toString('base64')) : desc)) });
    try {
      const e = await verify(lockFile).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(ReproError);
      expect((e as ReproError).code).toBe('SIGNATURE');
      expect((e as ReproError).message).toMatch(/core\/rg-tool1 1\.0-1 is signed by key \S+, which is in no trusted keyring/);
    } finally {
      m.clearFaults();
    }
  });

  it.skipIf(!cliBuilt())('CLI: exit 0 on a fresh lock, 1 with a MISMATCH line for an edited sha256', async () => {
    await expectVerifyCli({ fresh: lockFile, edited: join(work, 'edited.lock.yaml'), args: ['--cache', cacheDir], env: { REPRO_GET_DISTROS: distros }, checked: 5, problems: 2, mismatch: /^MISMATCH rg-tool1 1\.0-1 any: expected 0{64} .*, signed metadata says [0-9a-f]{64} /m });
  });
});

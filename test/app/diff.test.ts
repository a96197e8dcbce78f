import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffLockfiles, readLockAtRevision, render, parseFailOn, diffRenderOptions } from '../../src/app/diff/index.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { hex, lock, pkg } from '../support/locks.js';

const golden = (f: string) => fileURLToPath(new URL(`./golden/${f}`, import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

async function matchGolden(name: string, text: string) {
  if (UPDATE) await writeFile(golden(name), text);
  expect(text).toBe(await readFile(golden(name), 'utf8'));
}

/** Old and new locks exhibiting every change kind. */
function pair() {
  const old = lock([
    pkg('curl', '7.88.1-10+deb12u8', { requested: true, depends: ['libcurl4'] }),
    pkg('libcurl4', '7.88.1-10+deb12u8', { pulledInBy: ['curl'] }),
    pkg('jq', '1.6-2.1', { requested: true, depends: ['libjq1'] }),
    pkg('libjq1', '1.6-2.1', { pulledInBy: ['jq'] }),
    pkg('tzdata', '2025b-0+deb12u1', { requested: true }),
    pkg('zlib1g', '1:1.2.13.dfsg-1', { pulledInBy: ['curl'] }),
    pkg('oldlib', '1.0-1', { pulledInBy: ['jq'] }),
  ]);
  const nw = lock(
    [
      pkg('curl', '7.88.1-10+deb12u12', { requested: true, depends: ['libcurl4'] }),
      pkg('libcurl4', '7.88.1-10+deb12u12', { pulledInBy: ['curl'] }),
      pkg('jq', '1.6-2.1', { requested: true, depends: ['libjq1'], sha256: hex('f') }),
      pkg('libjq1', '1.6-2.1', { pulledInBy: ['jq'] }),
      pkg('tzdata', '2025a-0+deb12u1', { requested: true }),
      pkg('zlib1g', '1:1.2.13.dfsg-1', { pulledInBy: ['curl'], source: 'debian/bookworm-updates', url: 'https://snapshot.example/archive/debian/20250601T000000Z/pool/main/z/zlib1g/zlib1g_1.2.13.dfsg-1_amd64.deb' }),
      pkg('git', '1:2.39.5-0+deb12u2', { requested: true }),
      pkg('newdep', '2.0-1', { pulledInBy: ['git'] }),
    ],
    { snapshot: '2025-06-01T00:00:00Z' },
  );
  nw.sources = [
    { ...nw.sources[0], metadata: { ...nw.sources[0].metadata, signedBy: ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8'], date: '2025-05-31T09:00:00Z' } },
    { id: 'debian/bookworm-updates', url: 'https://snapshot.example/archive/debian/20250601T000000Z/', metadata: { path: 'dists/bookworm-updates/InRelease', sha256: hex('d'), signedBy: ['B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8'] }, indexes: [] },
  ];
  return { old, nw };
}

describe('diff', () => {
  it('groups every change kind, ordering versions by dpkg rules', async () => {
    const { old, nw } = pair();
    const d = await diffLockfiles(old, nw);
    expect(d.added.map((p) => p.name)).toEqual(['git', 'newdep']);
    expect(d.removed.map((p) => p.name)).toEqual(['oldlib']);
    expect(d.upgraded.map((p) => p.name)).toEqual(['curl', 'libcurl4']); // deb12u8 → deb12u12: a string sort would call it a downgrade
    expect(d.downgraded.map((p) => `${p.name} ${p.from}→${p.to}`)).toEqual(['tzdata 2025b-0+deb12u1→2025a-0+deb12u1']);
    expect(d.rebuilt.map((p) => p.name)).toEqual(['jq']);
    expect(d.moved.map((p) => p.name)).toEqual(['zlib1g']);
    expect(d.sources.added).toEqual(['debian/bookworm-updates']);
    expect(d.requested.added).toEqual(['git']);
    expect(d.kinds).toEqual(['added', 'downgrade', 'hash-change', 'key-change', 'new-source', 'removed', 'requested-change', 'snapshot-change', 'upgrade']);
  });

  it.each(['text', 'markdown', 'json'] as const)('renders %s output (golden file)', async (format) => {
    const { old, nw } = pair();
    const d = await diffLockfiles(old, nw);
    await matchGolden(`diff.${format === 'markdown' ? 'md' : format === 'json' ? 'json' : 'txt'}`, render(d, format, await diffRenderOptions(nw)));
  });

  it('collapses long Markdown groups', async () => {
    const many = Array.from({ length: 12 }, (_, i) => pkg(`lib${i}`, '1.0-1'));
    const d = await diffLockfiles(lock([]), lock(many));
    const md = render(d, 'markdown');
    expect(md).toContain('<details><summary>show all</summary>');
    expect(md).toContain('**12 added**');
  });

  it('an identical lock shows no changes', async () => {
    const { old } = pair();
    const d = await diffLockfiles(old, structuredClone(old));
    expect(render(d, 'text')).toBe('apt lock: no changes\n');
    expect(d.kinds).toEqual([]);
  });

  it('refuses locks of two families, and unknown --fail-on kinds', async () => {
    const { old } = pair();
    await expect(diffLockfiles(old, { ...old, family: 'pacman' })).rejects.toThrow(/cannot compare a apt lock with a pacman lock/);
    expect(() => parseFailOn('downgrade,sideways')).toThrow(/unknown change kind "sideways"/);
  });

  it('reads the lock at a git revision, and names a revision that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-diff-git-'));
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir });
    git('init', '-q');
    const { old, nw } = pair();
    const f = join(dir, 'repro-get.lock.yaml');
    await writeFile(f, serializeLockfile(old));
    git('add', '.');
    git('commit', '-qm', 'old');
    await writeFile(f, serializeLockfile(nw));
    const atHead = readLockAtRevision(f, 'HEAD');
    expect(atHead.snapshot).toBe(old.snapshot);
    expect(() => readLockAtRevision(f, 'no-such-branch')).toThrow(/git revision "no-such-branch" does not exist/);
    expect(() => readLockAtRevision(join(dir, 'other.lock.yaml'), 'HEAD')).toThrow(/other\.lock\.yaml does not exist at revision HEAD/);
  });

  it('CLI: --fail-on gates with exit 3; a non-lockfile is a clear error', async (ctx) => {
    if (!existsSync(join(root, 'dist/cli.mjs'))) ctx.skip();
    const dir = await mkdtemp(join(tmpdir(), 'rg-diff-cli-'));
    const { old, nw } = pair();
    await writeFile(join(dir, 'a.yaml'), serializeLockfile(old));
    await writeFile(join(dir, 'b.yaml'), serializeLockfile(nw));
    await writeFile(join(dir, 'spec.yaml'), 'distro: debian:bookworm\npackages: [curl]\n');
    const run = (...a: string[]) => spawnSync(process.execPath, [join(root, 'bin/repro-get'), 'diff', ...a], { cwd: dir, encoding: 'utf8' });
    let r = run('a.yaml', 'b.yaml', '--fail-on', 'downgrade');
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('Downgraded (1):');
    r = run('a.yaml', 'b.yaml', '--fail-on', 'removed-source');
    expect(r.status).toBe(0);
    r = run('a.yaml', 'spec.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/spec\.yaml:1: not a repro-get lockfile/);
  });
});

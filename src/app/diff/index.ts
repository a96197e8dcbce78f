/** `diff` flow: read two locks (files or a git revision), compare with the family's ordering, render. */
import { execFileSync } from 'node:child_process';
import { dirname, relative, resolve } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { loadDistro } from '../../core/distros.js';
import { parseLockfile, readLockfile } from '../../core/lockfile/read.js';
import type { Lockfile } from '../../core/lockfile/schema.js';
import { getFamily, versionComparator } from '../../families/index.js';
import { diffLocks, type ChangeKind, type LockDiff, FAIL_ON_KINDS } from './model.js';
import { render, type Format, type RenderOptions } from './render.js';

export { diffLocks, render, FAIL_ON_KINDS };
export type { LockDiff, ChangeKind, Format };

/** The lockfile as committed at `rev` (path taken relative to the repository's top folder). */
export function readLockAtRevision(path: string, rev: string): Lockfile {
  const abs = resolve(path);
  const git = (args: string[]) => execFileSync('git', args, { cwd: dirname(abs), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
  let top: string;
  try {
    top = git(['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new ReproError('USAGE', `${path} is not inside a git repository, so --git ${rev} has nothing to compare with.`);
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new ReproError('USAGE', `git revision "${rev}" does not exist.`, { hint: 'Fetch it first (git fetch origin) or name an existing branch, tag or commit.' });
  }
  const rel = relative(top, abs).split('\\').join('/');
  let text: string;
  try {
    text = git(['show', `${rev}:${rel}`]);
  } catch {
    throw new ReproError('USAGE', `${rel} does not exist at revision ${rev}.`);
  }
  return parseLockfile(text, `${rev}:${rel}`);
}

export async function diffRenderOptions(lock: Lockfile): Promise<RenderOptions> {
  try {
    const { data } = await loadDistro(lock.distro);
    const fam = await getFamily(data.family);
    const byKey = new Map(lock.packages.map((p) => [`${p.name}:${p.arch}`, p]));
    return { changelog: (n, a) => {
      const p = byKey.get(`${n}:${a}`);
      return p && fam.changelogUrl ? fam.changelogUrl(p, data) : undefined;
    } };
  } catch {
    return {}; // links are a convenience: an unknown distro only loses them
  }
}

export async function diffLockfiles(a: Lockfile, b: Lockfile): Promise<LockDiff> {
  if (a.family !== b.family) return diffLocks(a, b, () => 0); // throws the family-mismatch error
  return diffLocks(a, b, await versionComparator(b.family));
}

export async function readBoth(oldPath: string | undefined, newPath: string, gitRev?: string): Promise<[Lockfile, Lockfile]> {
  const b = await readLockfile(newPath);
  const a = gitRev ? readLockAtRevision(newPath, gitRev) : await readLockfile(oldPath!);
  return [a, b];
}

export function parseFailOn(s: string | undefined): ChangeKind[] {
  if (!s) return [];
  return s.split(',').map((k) => k.trim()).filter(Boolean).map((k) => {
    if (!(FAIL_ON_KINDS as string[]).includes(k)) throw new ReproError('USAGE', `--fail-on: unknown change kind "${k}" (known: ${FAIL_ON_KINDS.join(', ')}).`);
    return k as ChangeKind;
  });
}

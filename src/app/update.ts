/**
 * `update`: move a lock to a newer snapshot (or re-resolve only some packages) and report the diff.
 * The spec file's `snapshot:` is rewritten in place (comments kept) so `lock --check` stays green.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { ReproError } from '../core/errors.js';
import { readLockfile } from '../core/lockfile/read.js';
import type { Lockfile } from '../core/lockfile/schema.js';
import { serializeLockfile, writeFileAtomic } from '../core/lockfile/write.js';
import { normalizeSnapshot, specDigest, type Spec } from '../core/spec.js';
import { diffLockfiles, type LockDiff } from './diff/index.js';
import { lock, type LockRunOptions } from './lock.js';

export interface UpdateOptions extends LockRunOptions {
  /** 'latest', a snapshot time, or undefined (keep the spec's). */
  snapshot?: string;
  /** Only these requested packages may move; the other requested ones stay at their locked versions. */
  only?: string[];
  lockPath: string;
  dryRun?: boolean;
}

export function resolveSnapshotArg(arg: string, now: Date): string {
  if (arg === 'latest') return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const s = normalizeSnapshot(arg);
  if (!s) throw new ReproError('USAGE', `--snapshot ${arg}: expected "latest" or a time like 20250520T000000Z.`);
  return s;
}

export async function update(spec: Spec, opts: UpdateOptions): Promise<{ old: Lockfile; lock: Lockfile; diff: LockDiff }> {
  const old = await readLockfile(opts.lockPath);
  const next: Spec = { ...spec, packages: [...spec.packages] };
  if (opts.snapshot) next.snapshot = resolveSnapshotArg(opts.snapshot, opts.now ?? new Date());
  if (opts.only?.length) {
    const names = new Set(next.packages.map((p) => p.name));
    for (const n of opts.only) if (!names.has(n)) throw new ReproError('USAGE', `${n} is not requested in the spec; update moves requested packages only.`);
    // Pin every other requested package to what the old lock holds, so only the named ones move.
    next.packages = next.packages.map((p) => {
      if (opts.only!.includes(p.name) || p.version) return p;
      const locked = old.packages.find((l) => l.requested && l.name === p.name && (!p.arch || l.arch === p.arch));
      return locked ? { ...p, version: locked.version, raw: `${p.raw}=${locked.version}` } : p;
    });
  }
  const fresh = await lock(next, opts);
  const diff = await diffLockfiles(old, fresh);
  if (!opts.dryRun) {
    if (next.snapshot !== spec.snapshot && spec.file) await rewriteSnapshot(spec.file, next.snapshot!);
    // The lock's spec digest must describe the spec file as it now is, not the pinned variant.
    if (opts.only?.length) fresh.spec = await specDigest({ ...spec, snapshot: next.snapshot, architectures: fresh.architectures });
    await writeFileAtomic(opts.lockPath, serializeLockfile(fresh));
  }
  return { old, lock: fresh, diff };
}

async function rewriteSnapshot(file: string, snapshot: string): Promise<void> {
  const doc = YAML.parseDocument(await readFile(file, 'utf8'));
  doc.set('snapshot', snapshot.replace(/[-:]/g, ''));
  await writeFileAtomic(file, doc.toString());
}

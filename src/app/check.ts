/**
 * `lock --check`: is the lockfile still what the spec gives? Re-resolves with the signed roots the
 * lock recorded (from the cache when present, so CI needs no network after one lock) and compares
 * the canonical bytes. Writes nothing.
 */
import { readLockfile } from '../core/lockfile/read.js';
import { serializeLockfile } from '../core/lockfile/write.js';
import type { Spec } from '../core/spec.js';
import { diffLockfiles, type LockDiff } from './diff/index.js';
import { lock, type LockRunOptions } from './lock.js';

export interface CheckResult {
  fresh: boolean;
  reasons: string[];
  diff?: LockDiff;
}

export async function checkLock(spec: Spec, lockPath: string, opts: LockRunOptions = {}): Promise<CheckResult> {
  const old = await readLockfile(lockPath);
  const pinnedRoots = new Map(old.sources.map((s) => [s.id, s.metadata.sha256]));
  const fresh = await lock(spec, { ...opts, pinnedRoots });
  if (serializeLockfile(fresh) === serializeLockfile(old)) return { fresh: true, reasons: [] };
  const reasons: string[] = [];
  if (fresh.spec !== old.spec) reasons.push(`the spec changed since ${lockPath} was written (spec digest ${old.spec} → ${fresh.spec})`);
  const diff = await diffLockfiles(old, fresh);
  if (!reasons.length) reasons.push('re-resolving the spec gives a different lock (see the changes below)');
  return { fresh: false, reasons, diff };
}

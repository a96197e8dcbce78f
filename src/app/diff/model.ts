/**
 * What changed between two locks of one family, grouped the way a reviewer reads it. Versions are
 * ordered with the family's own comparator (never by string). A package whose version stayed but
 * whose bytes changed is "rebuilt": the one change a snapshot archive should never show, flagged.
 *
 * The JSON form of LockDiff is the documented machine output of `repro-get diff --format json`.
 */
import { ReproError } from '../../core/errors.js';
import type { Lockfile, LockedPackage, LockedSource } from '../../core/lockfile/schema.js';

export interface PkgRef {
  name: string;
  arch: string;
  version: string;
  requested: boolean;
  /** Requested packages that pull it in (new lock for added/changed, old lock for removed). */
  pulledInBy: string[];
}

export interface VersionChange {
  name: string;
  arch: string;
  from: string;
  to: string;
  requested: boolean;
  pulledInBy: string[];
}

export interface Rebuilt {
  name: string;
  arch: string;
  version: string;
  fromSha256: string;
  toSha256: string;
  fromSize: number;
  toSize: number;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface SourceChange {
  id: string;
  changes: FieldChange[];
}

export type ChangeKind = 'added' | 'removed' | 'upgrade' | 'downgrade' | 'hash-change' | 'new-source' | 'removed-source' | 'key-change' | 'snapshot-change' | 'requested-change';

export interface LockDiff {
  family: string;
  /** Top-level fields that changed: distro, snapshot, architectures, options, spec. */
  meta: FieldChange[];
  requested: { added: string[]; removed: string[] };
  added: PkgRef[];
  removed: PkgRef[];
  upgraded: VersionChange[];
  downgraded: VersionChange[];
  rebuilt: Rebuilt[];
  /** Same version and hash, but another URL or source (e.g. moved between suites). */
  moved: { name: string; arch: string; version: string; changes: FieldChange[] }[];
  sources: { added: string[]; removed: string[]; changed: SourceChange[] };
  /** Every kind present, for --fail-on. */
  kinds: ChangeKind[];
}

const key = (p: { name: string; arch: string }) => `${p.name}:${p.arch}`;
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ref(p: LockedPackage): PkgRef {
  return { name: p.name, arch: p.arch, version: p.version, requested: p.requested, pulledInBy: p.pulledInBy };
}

export function diffLocks(a: Lockfile, b: Lockfile, compare: (x: string, y: string) => number): LockDiff {
  if (a.family !== b.family) {
    throw new ReproError('USAGE', `cannot compare a ${a.family} lock with a ${b.family} lock.`, { hint: 'Compare two locks of the same family (and normally of the same distro).' });
  }
  const meta: FieldChange[] = [];
  for (const f of ['distro', 'architectures', 'snapshot', 'spec', 'options', 'assumedInstalled'] as const) {
    const x = JSON.stringify(a[f]);
    const y = JSON.stringify(b[f]);
    if (x !== y) meta.push(f === 'assumedInstalled' ? { field: f, from: `${a[f].length} packages`, to: `${b[f].length} packages` } : { field: f, from: a[f], to: b[f] });
  }
  const oldPk = new Map(a.packages.map((p) => [key(p), p]));
  const newPk = new Map(b.packages.map((p) => [key(p), p]));
  const d: LockDiff = { family: b.family, meta, requested: { added: [], removed: [] }, added: [], removed: [], upgraded: [], downgraded: [], rebuilt: [], moved: [], sources: { added: [], removed: [], changed: [] }, kinds: [] };

  const reqA = new Set(a.packages.filter((p) => p.requested).map((p) => p.name));
  const reqB = new Set(b.packages.filter((p) => p.requested).map((p) => p.name));
  d.requested.added = [...reqB].filter((n) => !reqA.has(n)).sort(cmpStr);
  d.requested.removed = [...reqA].filter((n) => !reqB.has(n)).sort(cmpStr);

  for (const [k, p] of newPk) {
    const o = oldPk.get(k);
    if (!o) {
      d.added.push(ref(p));
      continue;
    }
    const c = Math.sign(compare(o.version, p.version));
    if (c !== 0 || o.version !== p.version) {
      const ch = { name: p.name, arch: p.arch, from: o.version, to: p.version, requested: p.requested, pulledInBy: p.pulledInBy };
      (c > 0 ? d.downgraded : d.upgraded).push(ch);
    } else if (o.sha256 !== p.sha256 || o.size !== p.size) {
      d.rebuilt.push({ name: p.name, arch: p.arch, version: p.version, fromSha256: o.sha256, toSha256: p.sha256, fromSize: o.size, toSize: p.size });
    } else {
      const changes: FieldChange[] = [];
      for (const f of ['url', 'mirror', 'source', 'filename'] as const) if (o[f] !== p[f]) changes.push({ field: f, from: o[f], to: p[f] });
      if (changes.length) d.moved.push({ name: p.name, arch: p.arch, version: p.version, changes });
    }
  }
  for (const [k, p] of oldPk) if (!newPk.has(k)) d.removed.push(ref(p));

  const oldSrc = new Map(a.sources.map((s) => [s.id, s]));
  const newSrc = new Map(b.sources.map((s) => [s.id, s]));
  for (const [id, s] of newSrc) {
    const o = oldSrc.get(id);
    if (!o) d.sources.added.push(id);
    else {
      const changes = sourceChanges(o, s);
      if (changes.length) d.sources.changed.push({ id, changes });
    }
  }
  for (const id of oldSrc.keys()) if (!newSrc.has(id)) d.sources.removed.push(id);

  for (const list of [d.added, d.removed, d.upgraded, d.downgraded, d.rebuilt, d.moved]) (list as { name: string; arch: string }[]).sort((x, y) => cmpStr(x.name, y.name) || cmpStr(x.arch, y.arch));
  for (const list of [d.sources.added, d.sources.removed]) list.sort(cmpStr);
  d.sources.changed.sort((x, y) => cmpStr(x.id, y.id));
  d.kinds = kindsOf(d);
  return d;
}

function sourceChanges(a: LockedSource, b: LockedSource): FieldChange[] {
  const out: FieldChange[] = [];
  if (a.url !== b.url) out.push({ field: 'url', from: a.url, to: b.url });
  if (a.mirror !== b.mirror) out.push({ field: 'mirror', from: a.mirror, to: b.mirror });
  const sa = [...a.metadata.signedBy].sort().join(',');
  const sb = [...b.metadata.signedBy].sort().join(',');
  if (sa !== sb) out.push({ field: 'signedBy', from: a.metadata.signedBy, to: b.metadata.signedBy });
  if (a.metadata.date !== b.metadata.date) out.push({ field: 'date', from: a.metadata.date, to: b.metadata.date });
  if (a.metadata.sha256 !== b.metadata.sha256) out.push({ field: 'metadata.sha256', from: a.metadata.sha256, to: b.metadata.sha256 });
  return out;
}

function kindsOf(d: LockDiff): ChangeKind[] {
  const k = new Set<ChangeKind>();
  if (d.added.length) k.add('added');
  if (d.removed.length) k.add('removed');
  if (d.upgraded.length) k.add('upgrade');
  if (d.downgraded.length) k.add('downgrade');
  if (d.rebuilt.length) k.add('hash-change');
  if (d.sources.added.length) k.add('new-source');
  if (d.sources.removed.length) k.add('removed-source');
  if (d.sources.changed.some((s) => s.changes.some((c) => c.field === 'signedBy'))) k.add('key-change');
  if (d.meta.some((m) => m.field === 'snapshot')) k.add('snapshot-change');
  if (d.requested.added.length || d.requested.removed.length) k.add('requested-change');
  return [...k].sort();
}

export const FAIL_ON_KINDS: ChangeKind[] = ['added', 'removed', 'upgrade', 'downgrade', 'hash-change', 'new-source', 'removed-source', 'key-change', 'snapshot-change', 'requested-change'];

export function isEmpty(d: LockDiff): boolean {
  return d.meta.length === 0 && d.added.length + d.removed.length + d.upgraded.length + d.downgraded.length + d.rebuilt.length + d.moved.length === 0 && d.sources.added.length + d.sources.removed.length + d.sources.changed.length === 0;
}

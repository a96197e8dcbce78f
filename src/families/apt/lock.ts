/**
 * `lock` for apt: plan the suites, load and verify each, resolve like apt-get, and describe the
 * result as a Lockfile. Everything distro-specific comes from the distro data file.
 */
import { readFile } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { allInOrder } from '../../core/settled.js';
import { distroPath } from '../../core/distros.js';
import { LOCKFILE_VERSION, safeRelativePath, type Lockfile, type LockedPackage } from '../../core/lockfile/schema.js';
import { pulledInBy } from '../../core/lockfile/graph.js';
import { sha256Hex } from '../../core/hash.js';
import { specDigest } from '../../core/spec.js';
import { Keyring } from '../../core/trust/openpgp.js';
import type { LockContext } from '../family.js';
import { planSources, snapshotStamp, type AptDistro } from './distro.js';
import { loadAptSource, type LoadedAptSource } from './source.js';
import { parseStatus, type AptPackage } from './packages.js';
import { resolveApt, defaultBase, encodeListIds, LIST_IDS_FORMAT, presetListIds } from './resolve/index.js';

export async function lockApt(ctx: LockContext): Promise<Lockfile> {
  const d = ctx.distro as AptDistro;
  const spec = ctx.spec;
  const architectures = spec.architectures.length ? spec.architectures : [d.architectures[0]];
  const specA = { ...spec, architectures };
  if (!spec.snapshot && spec.mirrors.length === 0) {
    throw new ReproError('SPEC', 'no snapshot given: set `snapshot:` in the spec or pass --snapshot 20250520T000000Z.', {
      hint: 'To lock against a mirror\'s current state instead, pass --mirror URL; the lock then records the signed Release date as its snapshot.',
    });
  }
  const plans = planSources(d, ctx.release, specA, spec.snapshot);
  const keyring = await loadKeyring(d, spec.keyrings);

  // Suites load side by side, so one's network round trips overlap another's verifying and parsing;
  // a failure is reported for the first failing suite in spec order, as when they loaded in turn.
  const loaded = await allInOrder(
    plans.map((plan) => {
      ctx.log(`${plan.id}: fetching signed metadata`);
      return loadAptSource(plan, ctx.fetcher, keyring, ctx.pinnedRoots?.get(plan.id));
    }),
  );
  const snapshot = spec.snapshot ?? latestDate(loaded);
  checkValidity(loaded, spec.snapshot !== undefined, ctx.now, snapshot);
  for (const l of loaded) l.plan.snapshotUrl = l.plan.snapshotUrl.replace('{snapshot}', snapshotStamp(snapshot));

  const available = dedupe(loaded.flatMap((l) => l.packages), architectures.length);
  const native = architectures[0];
  const ids = await cachedListIds(ctx, loaded, available, native);
  let installed: AptPackage[];
  let baseLabel: string;
  if (spec.installed) {
    const text = await readFile(spec.installed, 'utf8').catch((e: Error) => {
      throw new ReproError('SPEC', `cannot read --installed ${spec.installed}: ${e.message}`);
    });
    installed = parseStatus(text, spec.installed);
    baseLabel = `installed:sha256:${sha256Hex(text)}`;
  } else {
    try {
      installed = await cachedDefaultBase(ctx, loaded, available, native);
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
      throw new ReproError(e.code, `the default base system (every Essential: yes / Priority: required package at the snapshot) cannot be installed from these suites: ${e.message}`, {
        hint: 'Lock against your real base image instead: --installed /var/lib/dpkg/status (from that image), or add the suites that hold the base.',
        detail: e.detail,
      });
    }
    baseLabel = 'default';
  }
  ctx.log(`resolving ${spec.packages.length} package(s) over ${available.length} available, ${installed.length} installed`);
  const result = resolveApt({
    available,
    installed,
    requests: spec.packages.map((p) => ({ name: p.name, arch: p.arch, version: p.version })),
    nativeArch: native,
    foreignArchs: architectures.slice(1),
    installRecommends: spec.installRecommends ?? false,
  });
  await ids.save();
  if (result.remove.length) {
    throw new ReproError('CONFLICT', `this request would remove installed package(s): ${result.remove.map((p) => `${p.name} ${p.version}`).join(', ')}.`, {
      hint: 'A lock can only add packages to the base system. Drop the conflicting request, or lock against a base without these packages (--installed).',
    });
  }

  const byId = new Map(loaded.map((l) => [l.plan.id, l]));
  const key = keyFn([...result.install, ...installed]);
  const edges = new Map<string, string[]>();
  for (const [p, deps] of result.edges) edges.set(key(p), deps.map(key));
  const roots = result.requested.map(key);
  const reach = pulledInBy(roots, edges);
  const requestedSet = new Set(roots);

  const packages: LockedPackage[] = result.install.map((p) => {
    const src = byId.get(p.source);
    if (!src || !p.filename || p.sha256 === undefined || p.size === undefined) {
      throw new ReproError('FORMAT', `${p.source}: package ${p.name} ${p.version} has no Filename, Size or SHA256 in its index, so it cannot be locked.`);
    }
    // The index is signed, but a signed index can still be hostile: a Filename with "..", a leading
    // "/" or NUL would make the URL or a later file name leave the archive.
    if (!safeRelativePath.safeParse(p.filename).success) {
      throw new ReproError('FORMAT', `${p.file ?? p.source}:${p.line ?? '?'}: package ${p.name} ${p.version} has Filename ${JSON.stringify(p.filename)}, which escapes the archive (it must be a relative path without "..", ".", a leading "/", NUL or backslash); refusing this index.`, {
        hint: 'The repository metadata is broken or hostile; use another mirror.',
      });
    }
    const k = key(p);
    return {
      name: p.name,
      version: p.version,
      arch: p.arch,
      sha256: p.sha256,
      size: p.size,
      filename: p.filename,
      url: src.plan.snapshotUrl + p.filename,
      mirror: src.plan.mirrorUrl ? src.plan.mirrorUrl + p.filename : undefined,
      source: p.source,
      requested: requestedSet.has(k),
      pulledInBy: (reach.get(k) ?? []).filter((r) => r !== k),
      depends: edges.get(k) ?? [],
    };
  });

  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'apt',
    distro: spec.distro,
    architectures,
    snapshot,
    spec: await specDigest(specA),
    options: { installRecommends: spec.installRecommends ?? false, base: baseLabel },
    assumedInstalled: installed.map((p) => (p.arch === native || p.arch === 'all' ? `${p.name}=${p.version}` : `${p.name}:${p.arch}=${p.version}`)),
    sources: loaded.map((l) => ({
      id: l.plan.id,
      url: l.plan.snapshotUrl,
      mirror: l.plan.mirrorUrl,
      metadata: {
        path: l.metadata.path,
        sha256: l.metadata.sha256,
        signedBy: l.metadata.signedBy,
        date: l.metadata.date,
        validUntil: l.metadata.validUntil,
        validUntilIgnored: l.metadata.validUntil !== undefined && Date.parse(l.metadata.validUntil) < ctx.now.getTime() ? true : undefined,
      },
      indexes: l.indexes,
    })),
    packages,
  };
}

async function loadKeyring(d: AptDistro, extra: string[]): Promise<Keyring> {
  return Keyring.fromFiles([...d.keyrings.map(distroPath), ...extra]);
}

function latestDate(loaded: LoadedAptSource[]): string {
  const dates = loaded.map((l) => l.metadata.date).filter((x): x is string => !!x).sort();
  if (!dates.length) throw new ReproError('FORMAT', 'no signed Release carries a Date, so the lock has no snapshot time; pass --snapshot.');
  return dates[dates.length - 1];
}

/**
 * Snapshot Release files are past their Valid-Until by design: accepted (and marked in the lock)
 * when the user asked for a snapshot. Without --snapshot an expired Release is a freeze attack or a
 * stale mirror, and is refused. A Release dated after the snapshot cannot belong to it.
 */
function checkValidity(loaded: LoadedAptSource[], isSnapshot: boolean, now: Date, snapshot: string): void {
  for (const l of loaded) {
    const m = l.metadata;
    if (!isSnapshot && m.validUntil && Date.parse(m.validUntil) < now.getTime()) {
      throw new ReproError('SIGNATURE', `${l.plan.id}: ${m.path} expired at ${m.validUntil} (Valid-Until); refusing stale metadata from a live mirror.`, {
        hint: 'If this is a mirror of an old snapshot, say so with --snapshot TIME.',
      });
    }
    if (isSnapshot && m.date && Date.parse(m.date) > Date.parse(snapshot) + 60_000) {
      throw new ReproError('SIGNATURE', `${l.plan.id}: ${m.path} is dated ${m.date}, after the snapshot time ${snapshot}: the mirror does not serve that snapshot.`, {
        hint: 'Point --mirror at a mirror of the snapshot, or lock at a later --snapshot.',
      });
    }
  }
}

/**
 * apt lists an Architecture: all package once per architecture list; keep the first. Only `all`
 * stanzas can repeat (one per architecture's list), so with one architecture there is nothing to
 * do. Grouped by name first: nearly every name is unique, so no key string is built per stanza.
 */
function dedupe(pkgs: AptPackage[], architectures: number): AptPackage[] {
  if (architectures < 2) return pkgs;
  const byName = new Map<string, AptPackage | AptPackage[]>();
  const same = (a: AptPackage, b: AptPackage) => a.version === b.version && a.arch === b.arch && a.source === b.source;
  return pkgs.filter((p) => {
    if (p.arch !== 'all') return true;
    const seen = byName.get(p.name);
    if (seen === undefined) byName.set(p.name, p);
    else if (!Array.isArray(seen)) {
      if (same(seen, p)) return false;
      byName.set(p.name, [seen, p]);
    } else {
      if (seen.some((q) => same(q, p))) return false;
      seen.push(p);
    }
    return true;
  });
}

/** Names in edges: plain name when unique in the graph, name:arch when several arches share it. */
function keyFn(all: AptPackage[]): (p: AptPackage) => string {
  const arches = new Map<string, Set<string>>();
  for (const p of all) (arches.get(p.name) ?? arches.set(p.name, new Set()).get(p.name)!).add(p.arch);
  return (p) => ((arches.get(p.name)?.size ?? 1) > 1 ? `${p.name}:${p.arch}` : p.name);
}

/** Bumped whenever the numbering of names (the resolver's package IDs) or its cache form changes. */
const ID_RULES = LIST_IDS_FORMAT;

/**
 * The resolver's package IDs (apt's order of first mention, its last tie-break) depend only on the
 * verified indexes and the native architecture, yet cost a walk over every relation of every
 * stanza: kept in the cache like the default base. A wrong entry could only reorder ties between
 * candidates that all come from the signed indexes; an unusable one is ignored and recomputed.
 */
async function cachedListIds(ctx: LockContext, loaded: LoadedAptSource[], available: AptPackage[], native: string): Promise<{ save: () => Promise<void> }> {
  const cache = ctx.fetcher.cache;
  const key = sha256Hex(JSON.stringify([ID_RULES, native, loaded.map((l) => [l.plan.id, l.indexes.map((i) => i.sha256)])]));
  const hit = await cache?.readDerived(key);
  // A torn or foreign entry is not taken: the IDs are numbered again and saved.
  if (hit !== undefined && presetListIds(available, native, hit)) return { save: async () => {} };
  return { save: async () => void (await cache?.writeDerived(key, encodeListIds(available, native)).catch(() => {})) };
}

/** Bumped whenever defaultBase's rules change, so cached results of the old rules are not reused. */
const BASE_RULES = 'apt-default-base-1';

/**
 * The default base depends only on the verified indexes and the architecture, yet costs a full
 * resolution of every Essential/required package: keep its result in the cache, keyed by the digests
 * of every index it was computed from.
 */
async function cachedDefaultBase(ctx: LockContext, loaded: LoadedAptSource[], available: AptPackage[], native: string): Promise<AptPackage[]> {
  const cache = ctx.fetcher.cache;
  const key = sha256Hex(JSON.stringify([BASE_RULES, native, loaded.map((l) => [l.plan.id, l.indexes.map((i) => i.sha256)])]));
  const id = (p: AptPackage) => `${p.source}\0${p.name}\0${p.version}\0${p.arch}`;
  const hit = await cache?.readDerived(key);
  let ids: string[] | undefined;
  try {
    ids = hit === undefined ? undefined : (JSON.parse(hit) as string[]);
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) ids = undefined;
  } catch {
    /* a torn entry: recomputed below */
  }
  if (ids) {
    // Looked up by name first, so an id string is built only for the few stanzas named in the entry.
    const want = new Map(ids.map((i) => [i.split('\0')[1], [] as string[]]));
    for (const i of ids) want.get(i.split('\0')[1])!.push(i);
    const byId = new Map<string, AptPackage>();
    for (const p of available) if (want.get(p.name)?.includes(id(p))) byId.set(id(p), p);
    const base = ids.map((i) => byId.get(i));
    if (base.every((p): p is AptPackage => p !== undefined)) return base;
  }
  const base = defaultBase(available, native);
  await cache?.writeDerived(key, JSON.stringify(base.map(id)));
  return base;
}

/**
 * `lock` for apk: plan the repositories, load and verify each signed APKINDEX, resolve like
 * `apk add` on top of the base system, fetch and verify every chosen .apk once (the index names
 * files by a control-section checksum, not a sha256), and describe the result as a Lockfile.
 */
import { ReproError } from '../../core/errors.js';
import { distroPath } from '../../core/distros.js';
import { LOCKFILE_VERSION, type Lockfile, type LockedPackage } from '../../core/lockfile/schema.js';
import { pulledInBy } from '../../core/lockfile/graph.js';
import { specDigest } from '../../core/spec.js';
import type { LockContext } from '../family.js';
import { verifyArtifacts } from './artifacts.js';
import { planApkSources, readApkDistro } from './distro.js';
import { readInstalledDb } from './installed.js';
import { loadApkKeys } from './keys.js';
import { worldFromRequests } from './requests.js';
import { resolveApk, type WorldEntry } from './resolve/index.js';
import { Universe, type ApkPackage } from './resolve/universe.js';
import { INDEX_FILE, loadApkSource, type LoadedApkSource } from './source.js';

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const filenameOf = (p: ApkPackage): string => `${p.name}-${p.version}.apk`;

export async function lockApk(ctx: LockContext): Promise<Lockfile> {
  const d = readApkDistro(ctx.distro);
  const spec = ctx.spec;
  const architectures = spec.architectures.length ? spec.architectures : [d.architectures[0]];
  if (architectures.length > 1) {
    throw new ReproError('SPEC', `apk installs one architecture per system; lock ${architectures.join(' and ')} in separate lockfiles.`);
  }
  const arch = architectures[0];
  const plans = planApkSources(d, ctx.release, spec, arch);
  const keys = await loadApkKeys([...d.keys.map(distroPath), ...spec.keyrings]);

  const loaded: LoadedApkSource[] = [];
  for (const plan of plans) {
    ctx.log(`${plan.id}: fetching signed ${INDEX_FILE}`);
    loaded.push(await loadApkSource(plan, ctx.fetcher, keys, ctx.pinnedRoots?.get(plan.id)));
  }
  const snapshot = snapshotOf(loaded, spec.snapshot);

  // apk reads the installed database before the repositories: installed copies come first.
  const u = new Universe();
  const installed = spec.installed ? await readInstalledDb(spec.installed) : undefined;
  for (const info of installed?.packages ?? []) u.add(info, -1, 'installed', true);
  for (const l of loaded) for (const info of l.packages) u.add(info, l.plan.index, l.plan.id);

  let baseWorld: WorldEntry[];
  if (installed) {
    // No /etc/apk/world comes with the database: every installed package is kept as wanted.
    baseWorld = installed.packages.map((p) => ({ dep: { name: p.name, conflict: false }, raw: p.name, base: true }));
  } else {
    baseWorld = [{ dep: { name: d.base, conflict: false }, raw: d.base, base: true }];
    ctx.log(`resolving the base system (${d.base})`);
    for (const p of baseSystem(u, baseWorld)) p.installed = true;
  }
  const base = u.packages.filter((p) => p.installed);
  const requests = worldFromRequests(spec.packages, arch, d.architectures);
  ctx.log(`resolving ${requests.length} package(s) over ${u.packages.length} available, ${base.length} installed`);
  const result = resolveApk(u, [...baseWorld, ...requests]);

  const chosen = new Set(result.packages);
  const removed = base.filter((p) => !chosen.has(p) && !result.packages.some((q) => q.name === p.name));
  if (removed.length) {
    throw new ReproError('CONFLICT', `this request would remove installed package(s): ${removed.map((p) => `${p.name}-${p.version}`).join(', ')}.`, {
      hint: 'A lock can only add packages to the base system. Drop the conflicting request, or lock against a base without these packages (--installed).',
    });
  }
  const toLock = result.packages.filter((p) => !p.installed);
  const byId = new Map(loaded.map((l) => [l.plan.id, l]));
  const urlsOf = (p: ApkPackage): { url: string; mirror?: string } => {
    const plan = byId.get(p.source)?.plan;
    if (!plan) throw new ReproError('FORMAT', `${p.name}-${p.version} is installed in a version no repository offers, and the request needs it changed.`);
    return { url: plan.url + filenameOf(p), mirror: plan.mirrorUrl && plan.mirrorUrl + filenameOf(p) };
  };
  ctx.log(`verifying ${toLock.length} package file(s) against the signed index`);
  const artifacts = await verifyArtifacts(
    toLock.map((p) => {
      const { url, mirror } = urlsOf(p);
      return { pkg: p, urls: mirror ? [mirror, url] : [url] };
    }),
    ctx.fetcher,
    keys,
    ctx.log,
  );

  // Graph by package name (apk installs one package per name): dependency edges, plus
  // trigger → package for install_if, which pulls a package in without being a dependency.
  const depends = new Map<string, string[]>();
  const reach = new Map<string, string[]>();
  for (const p of result.packages) {
    const deps = result.depends.get(p)!.map((q) => q.name);
    depends.set(p.name, deps);
    reach.set(p.name, [...deps]);
  }
  for (const [p, by] of result.triggeredBy) for (const t of by) reach.get(t.name)!.push(p.name);
  const roots = [...new Set(result.requested.slice(baseWorld.length).flatMap((p) => (p ? [p.name] : [])))];
  const pulled = pulledInBy(roots, reach);

  const packages: LockedPackage[] = toLock.map((p) => {
    const a = artifacts.get(p)!;
    const { url, mirror } = urlsOf(p);
    return {
      name: p.name,
      version: p.version,
      arch: p.arch ?? arch,
      sha256: a.sha256,
      size: a.size,
      filename: filenameOf(p),
      url,
      mirror,
      source: p.source,
      requested: roots.includes(p.name),
      pulledInBy: (pulled.get(p.name) ?? []).filter((r) => r !== p.name),
      depends: depends.get(p.name) ?? [],
    };
  });

  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'apk',
    distro: spec.distro,
    architectures,
    snapshot,
    spec: await specDigest({ ...spec, architectures }),
    options: { installRecommends: false, base: installed ? `installed:sha256:${installed.sha256}` : 'default' },
    assumedInstalled: base.map((p) => `${p.name}=${p.version}`),
    sources: loaded.map((l) => ({
      id: l.plan.id,
      url: l.plan.url,
      mirror: l.plan.mirrorUrl,
      metadata: {
        path: INDEX_FILE,
        sha256: l.index.sha256,
        signedBy: l.index.signature.signedBy,
        date: l.index.date && iso(l.index.date),
        retention: l.plan.retention,
      },
      indexes: [{ path: INDEX_FILE, sha256: l.index.sha256, size: l.index.size }],
    })),
    packages,
  };
}

/** The default base (`apk add alpine-base` on an empty root); a failure says what to do instead. */
function baseSystem(u: Universe, world: WorldEntry[]): ApkPackage[] {
  try {
    return resolveApk(u, world).packages;
  } catch (e) {
    if (!(e instanceof ReproError)) throw e;
    throw new ReproError(e.code, `the default base system (${world.map((w) => w.raw).join(' ')}) cannot be resolved from these repositories: ${e.message}`, {
      hint: 'Lock against your base image\'s own package list instead: --installed FILE, with FILE its /lib/apk/db/installed.',
      detail: e.detail,
    });
  }
}

/**
 * Alpine has no snapshot service: the lock's time is the newest index build time, and a --snapshot
 * older than an index cannot be honoured by a mirror that only serves the current state.
 */
function snapshotOf(loaded: LoadedApkSource[], asked: string | undefined): string {
  const dates = loaded.map((l) => l.index.date).filter((x): x is Date => !!x);
  if (asked) {
    for (const l of loaded) {
      if (l.index.date && l.index.date.getTime() > Date.parse(asked) + 60_000) {
        throw new ReproError('SIGNATURE', `${l.plan.id}: the index was built at ${iso(l.index.date)}, after the snapshot time ${asked}; Alpine mirrors serve only their current state.`, {
          hint: 'Drop --snapshot to lock the current state, or point --mirror at your own copy of the repository taken at that time.',
        });
      }
    }
    return asked;
  }
  if (!dates.length) throw new ReproError('FORMAT', `no ${INDEX_FILE} carries a build time, so the lock has no snapshot time; pass --snapshot.`);
  return iso(new Date(Math.max(...dates.map((x) => x.getTime()))));
}

/**
 * `lock` for dnf: plan the repositories, load and verify each, resolve like `dnf install` with
 * default settings, and describe the result as a Lockfile. Each package records the URL where its
 * bytes stay (a release tree, or the distro's build store for builds `updates` will drop), the
 * repository URL used at lock time, and further fallbacks.
 */
import { readFile } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { pulledInBy } from '../../core/lockfile/graph.js';
import { LOCKFILE_VERSION, type Lockfile, type LockedPackage } from '../../core/lockfile/schema.js';
import { sha256Hex } from '../../core/hash.js';
import { specDigest } from '../../core/spec.js';
import type { LockContext } from '../family.js';
import { archPolicy } from './arch.js';
import { buildStoreUrl, planRepos, type DnfDistro, type RepoPlan } from './distro.js';
import { explainUnsatisfiable } from './explain.js';
import { installedPackages, parseRpmQa } from './installed.js';
import { nevra, type RpmPackage } from './package.js';
import { resolveDnf, UnsatisfiableError } from './resolve.js';
import { loadRepo, type LoadedRepo } from './source.js';
import { Universe } from './universe.js';

export async function lockDnf(ctx: LockContext): Promise<Lockfile> {
  const d = ctx.distro as DnfDistro;
  const spec = ctx.spec;
  const plan = planRepos(d, ctx.release, spec);
  const arch = archPolicy(plan.arch)!;

  const loaded: LoadedRepo[] = [];
  for (const r of plan.repos) {
    ctx.log(`${r.id}: fetching ${r.signed ? 'signed ' : ''}metadata`);
    loaded.push(await loadRepo(r, ctx.fetcher, ctx.now, ctx.pinnedRoots?.get(r.id)));
  }
  const snapshot = spec.snapshot ?? latestDate(loaded);
  if (spec.snapshot) checkDates(loaded, spec.snapshot);

  const available = loaded.flatMap((l) => l.packages).filter((p) => arch.compatible(p.arch));
  let installed: RpmPackage[] = [];
  let baseLabel = 'none';
  if (spec.installed) {
    const text = await readFile(spec.installed, 'utf8').catch((e: Error) => {
      throw new ReproError('SPEC', `cannot read --installed ${spec.installed}: ${e.message}`);
    });
    const base = installedPackages(parseRpmQa(text, spec.installed), available);
    installed = base.pkgs;
    baseLabel = `installed:sha256:${sha256Hex(text)}`;
    if (base.borrowed.length) ctx.log(`base: ${base.borrowed.length} installed package(s) not in the repositories; dependencies taken from another build of the same name`);
  }
  // A repository build identical to an installed one is that package, not a candidate to reinstall.
  const have = new Set(installed.map(nevra));
  const universe = new Universe([...installed, ...available.filter((p) => !have.has(nevra(p)))]);
  const weakDeps = spec.installRecommends ?? true;
  ctx.log(`resolving ${spec.packages.length} package(s) over ${available.length} available, ${installed.length} installed${weakDeps ? '' : ', no weak dependencies'}`);
  const order = new Map(plan.repos.map((r, i) => [r.id, i]));
  const prio = new Map(plan.repos.map((r) => [r.id, r.priority]));
  let res;
  try {
    res = resolveDnf({
      u: universe,
      arch,
      requests: spec.packages,
      weakDeps,
      priority: (repo) => prio.get(repo) ?? 99,
      repoOrder: (repo) => order.get(repo) ?? -1,
    });
  } catch (e) {
    if (e instanceof UnsatisfiableError) throw explainUnsatisfiable(e, universe, spec.packages);
    throw e;
  }
  for (const i of res.replaced) ctx.log(`replaces installed ${nevra(universe.pkgs[i])}`);

  const all = [...res.install, ...universe.pkgs.map((_, i) => i).filter((i) => universe.isInstalled(i))];
  const key = keyFn(all.map((i) => universe.pkgs[i]));
  const k = (i: number) => key(universe.pkgs[i]);
  const edges = new Map<string, string[]>();
  for (const [i, deps] of res.edges) edges.set(k(i), [...new Set(deps.map(k))].sort());
  const roots = [...new Set(res.requested.map(k))];
  const reach = pulledInBy(roots, edges);
  const requested = new Set(roots);
  const byId = new Map(loaded.map((l) => [l.plan.id, l]));

  const packages: LockedPackage[] = res.install.map((i) => {
    const p = universe.pkgs[i];
    const src = byId.get(p.repo)!;
    if (!p.sha256 || p.size === undefined || !p.location) {
      throw new ReproError('FORMAT', `${p.repo}: ${nevra(p)} is listed with a ${src.skippedChecksums.get(nevra(p)) ?? 'missing'} checksum, not sha256, so it cannot be locked.`, {
        hint: 'repro-get records sha256 digests only; the repository must be created with sha256 checksums (createrepo_c --checksum sha256).',
      });
    }
    const urls = packageUrls(d, src.plan, p);
    return {
      name: p.name,
      version: p.evr,
      arch: p.arch,
      sha256: p.sha256,
      size: p.size,
      filename: p.location,
      url: urls.url,
      mirror: urls.mirror,
      fallbacks: urls.fallbacks.length ? urls.fallbacks : undefined,
      source: p.repo,
      requested: requested.has(k(i)),
      pulledInBy: (reach.get(k(i)) ?? []).filter((r) => r !== k(i)),
      depends: edges.get(k(i)) ?? [],
    };
  });

  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'dnf',
    distro: spec.distro,
    architectures: [plan.arch],
    snapshot,
    spec: await specDigest({ ...spec, architectures: [plan.arch] }),
    options: { installRecommends: weakDeps, base: baseLabel },
    assumedInstalled: installed.map((p) => (p.arch === plan.arch || p.arch === 'noarch' ? `${p.name}=${p.evr}` : `${p.name}:${p.arch}=${p.evr}`)).sort(),
    sources: loaded.map((l) => ({
      id: l.plan.id,
      url: l.plan.url,
      mirror: l.plan.mirror,
      metadata: { path: l.metadata.path, sha256: l.metadata.sha256, signedBy: l.metadata.signedBy, date: l.metadata.date },
      indexes: l.indexes,
    })),
    packages,
  };
}

/**
 * Where a package's bytes are: `url` is the most permanent location (a release tree, else the
 * build store), `mirror` the repository used at lock time when that differs, `fallbacks` the rest.
 */
export function packageUrls(d: DnfDistro, r: RepoPlan, p: RpmPackage): { url: string; mirror?: string; fallbacks: string[] } {
  const loc = p.location!;
  const repoUrl = r.url + loc;
  const store = buildStoreUrl(d, p.sourcerpm, p.arch, loc);
  const archive = r.archive ? r.archive + loc : undefined;
  const url = r.permanent || !store ? repoUrl : store;
  const mirror = r.mirror ? r.mirror + loc : url === repoUrl ? undefined : repoUrl;
  const fallbacks = [repoUrl, store, archive].filter((u): u is string => !!u && u !== url && u !== mirror);
  return { url, mirror, fallbacks: [...new Set(fallbacks)] };
}

function latestDate(loaded: LoadedRepo[]): string {
  const dates = loaded.map((l) => l.metadata.date).filter((x): x is string => !!x).sort();
  if (!dates.length) throw new ReproError('FORMAT', 'no repomd.xml carries a timestamp, so the lock has no snapshot time; pass --snapshot.');
  return dates[dates.length - 1];
}

/** Metadata composed after the snapshot time cannot be the repository as it was then. */
function checkDates(loaded: LoadedRepo[], snapshot: string): void {
  for (const l of loaded) {
    const date = l.metadata.date;
    if (date && Date.parse(date) > Date.parse(snapshot) + 60_000) {
      throw new ReproError('SPEC', `${l.plan.id}: repodata/repomd.xml was composed at ${date}, after the snapshot time ${snapshot}: this repository is not the one of that time.`, {
        hint: 'Point mirrors: (ID=URL) at a copy of the repository as it was then, or lock at a later --snapshot.',
      });
    }
  }
}

/** Names in edges: plain name when unique, name:arch when several architectures share it (multilib). */
function keyFn(all: RpmPackage[]): (p: RpmPackage) => string {
  const arches = new Map<string, Set<string>>();
  for (const p of all) (arches.get(p.name) ?? arches.set(p.name, new Set()).get(p.name)!).add(p.arch);
  return (p) => ((arches.get(p.name)?.size ?? 1) > 1 ? `${p.name}:${p.arch}` : p.name);
}

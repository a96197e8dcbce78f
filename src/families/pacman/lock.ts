/**
 * `lock` for pacman: plan the repositories of one archive day, load each database, resolve like
 * `pacman -S --noconfirm` on top of the base system, check every chosen package's signature
 * header against the keyring, and describe the result as a Lockfile.
 */
import { readFile } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { allInOrder } from '../../core/settled.js';
import { pulledInBy } from '../../core/lockfile/graph.js';
import { LOCKFILE_VERSION, type Lockfile, type LockedPackage } from '../../core/lockfile/schema.js';
import { sha256Hex } from '../../core/hash.js';
import { specDigest } from '../../core/spec.js';
import type { LockContext } from '../family.js';
import { satisfies } from './depend.js';
import type { PacmanPackage } from './desc.js';
import { planRepos, readPacmanDistro, storeUrl, type PacmanDistro } from './distro.js';
import { installedFromListing, parsePacmanQ } from './installed.js';
import { resolve } from './resolve.js';
import { loadRepo } from './source.js';
import { PacmanTrust } from './trust.js';
import { byAnyName, makeRepo, type Repo } from './universe.js';

export async function lockPacman(ctx: LockContext): Promise<Lockfile> {
  const background: Promise<unknown>[] = [];
  try {
    return await lockWith(ctx, background);
  } catch (e) {
    // The keyring loads beside the databases and may be writing its derived cache entry: let it
    // finish, so a failed lock leaves no temporary file in the cache (the CLI exits right after).
    await Promise.allSettled(background);
    throw e;
  }
}

async function lockWith(ctx: LockContext, background: Promise<unknown>[]): Promise<Lockfile> {
  const d = readPacmanDistro(ctx.distro);
  const spec = ctx.spec;
  const { arch, repos: plans } = planRepos(d, ctx.release, spec);
  const snapshot = spec.snapshot!; // planRepos refuses a lock without one
  if (spec.installRecommends) {
    throw new ReproError('SPEC', 'pacman never installs optional dependencies (%OPTDEPENDS%); name the ones you want as packages.');
  }
  const trustP = PacmanTrust.load(d.keyrings, spec.keyrings, ctx.fetcher.cache);
  trustP.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  background.push(trustP);

  // All databases at once: one's transfer overlaps another's parse. A failure is reported for the
  // first repository in priority order, not whichever failed first, so the error is stable.
  const loaded = await allInOrder(
    plans.map((plan) => {
      ctx.log(`${plan.id}: fetching ${plan.id}.db`);
      return loadRepo(plan, ctx.fetcher, ctx.pinnedRoots?.get(plan.id));
    }),
  );
  const repos = loaded.map((l) => makeRepo(l.plan.id, l.packages));

  const { installed, baseLabel } = await baseSystem(d, repos, spec.installed, ctx.log);
  const targets = spec.packages.map((p) => {
    if (p.arch && p.arch !== arch && p.arch !== 'any') {
      throw new ReproError('SPEC', `${p.raw}: pacman has no architecture qualifiers; this lock is for ${arch}.`);
    }
    return p.version ? `${p.name}=${p.version}` : p.name;
  });
  ctx.log(`resolving ${targets.length} target(s) over ${repos.reduce((n, r) => n + r.packages.length, 0)} available, ${installed.length} installed`);
  const result = resolve({ repos, installed, targets });
  for (const x of result.dropped) {
    ctx.log(`removing '${x.pkg.name}' from target list because it conflicts with '${x.keptFor.name}' (rule: two conflicting packages, one provides the other's name)`);
  }
  checkFilenames(result.packages);

  const trust = await trustP;
  const byId = new Map(loaded.map((l) => [l.plan.id, l]));
  const edges = dependencyEdges(result.packages, installed);
  const roots = result.requested.map((p) => p.name);
  const reach = pulledInBy(roots, edges);
  const requested = new Set(roots);

  const packages: LockedPackage[] = result.packages.map((p) => {
    const what = `${p.repo}/${p.name} ${p.version}`;
    if (!p.sha256 || p.csize === undefined) {
      throw new ReproError('FORMAT', `${what} has no %SHA256SUM% or %CSIZE% in its database entry, so it cannot be locked.`, {
        hint: 'repro-get records sha256 digests only; rebuild the database with a current repo-add.',
      });
    }
    const repo = byId.get(p.repo)!;
    try {
      trust.checkSignatureHeader(p.pgpsig, what, snapshot);
    } catch (e) {
      // The %PGPSIG% comes from an unsigned database: say which file and which server's database.
      if (!(e instanceof ReproError)) throw e;
      throw new ReproError(e.code, `${e.message} The entry is ${p.filename} in ${repo.url}.`, { hint: e.hint, detail: e.detail });
    }
    const plan = repo.plan;
    const store = plan.store ? storeUrl(d, p.name, p.filename) : undefined;
    return {
      name: p.name,
      version: p.version,
      arch: p.arch || arch,
      sha256: p.sha256,
      size: p.csize,
      filename: p.filename,
      url: plan.url + p.filename,
      mirror: plan.mirror ? plan.mirror + p.filename : undefined,
      fallbacks: store ? [store] : undefined,
      source: p.repo,
      requested: requested.has(p.name),
      pulledInBy: (reach.get(p.name) ?? []).filter((r) => r !== p.name),
      depends: edges.get(p.name) ?? [],
      signature: p.pgpsig,
    };
  });

  return {
    lockfileVersion: LOCKFILE_VERSION,
    family: 'pacman',
    distro: spec.distro,
    architectures: [arch],
    snapshot,
    spec: await specDigest({ ...spec, architectures: [arch] }),
    options: { installRecommends: false, base: baseLabel },
    assumedInstalled: installed.map((p) => `${p.name}=${p.version}`).sort(),
    sources: loaded.map((l) => ({
      id: l.plan.id,
      url: l.plan.url,
      mirror: l.plan.mirror,
      // Arch databases are unsigned: signedBy stays empty; every package carries its own signature.
      metadata: { path: l.path, sha256: l.sha256, signedBy: [] },
      indexes: [{ path: l.path, sha256: l.sha256, size: l.size }],
    })),
    packages,
  };
}

/** `--installed` (a `pacman -Q` listing), else the distro's base package and its dependencies. */
async function baseSystem(d: PacmanDistro, repos: Repo[], file: string | undefined, log: (l: string) => void): Promise<{ installed: PacmanPackage[]; baseLabel: string }> {
  if (file) {
    const text = await readFile(file, 'utf8').catch((e: Error) => {
      throw new ReproError('SPEC', `cannot read --installed ${file}: ${e.message}`);
    });
    const r = installedFromListing(parsePacmanQ(text, file), repos);
    if (r.borrowed.length) log(`base: ${r.borrowed.length} installed package(s) not at the snapshot's version; provides and dependencies taken from the snapshot's build of the same name`);
    if (r.unknown.length) log(`base: ${r.unknown.length} installed package(s) unknown at the snapshot (${r.unknown.slice(0, 5).join(', ')}${r.unknown.length > 5 ? ', …' : ''}); they count by name and version only`);
    return { installed: r.packages, baseLabel: `installed:sha256:${sha256Hex(text)}` };
  }
  log(`resolving the base system (${d.base})`);
  return { installed: resolve({ repos, installed: [], targets: [d.base] }).packages, baseLabel: 'default' };
}

/** pacman refuses two packages with the same file name (they would overwrite each other in the cache). */
function checkFilenames(list: PacmanPackage[]): void {
  const seen = new Map<string, PacmanPackage>();
  for (const p of list) {
    const other = seen.get(p.filename);
    if (other) throw new ReproError('CONFLICT', `packages ${other.name} and ${p.name} have the same filename: ${p.filename}.`);
    seen.set(p.filename, p);
  }
}

/** For each new package, the packages (new or installed) that meet its dependencies. */
function dependencyEdges(list: PacmanPackage[], installed: PacmanPackage[]): Map<string, string[]> {
  const names = new Set(list.map((p) => p.name));
  const inList = byAnyName(list);
  const inUntouched = byAnyName(installed.filter((p) => !names.has(p.name)));
  const edges = new Map<string, string[]>();
  for (const p of list) {
    const out = new Set<string>();
    for (const dep of p.depends) {
      if (satisfies(p, dep)) continue;
      const by = inList.get(dep.name)?.find((q) => satisfies(q, dep)) ?? inUntouched.get(dep.name)?.find((q) => satisfies(q, dep));
      if (by) out.add(by.name);
    }
    edges.set(p.name, [...out].sort());
  }
  return edges;
}

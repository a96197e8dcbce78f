/**
 * Turns a failed solve into one ReproError: apk's own "unable to select packages" report (so a
 * user who knows apk recognises it), the dependency chain from a requested package to the first
 * problem (message and `detail.chain`), and a code: CONFLICT when a conflict is involved,
 * UNSATISFIABLE otherwise.
 */
import { ReproError } from '../../../core/errors.js';
import { shortestChains } from '../../../core/lockfile/graph.js';
import { depMatches, formatDep, type ApkDep } from '../dependency.js';
import type { Solution } from './solver.js';
import type { ApkPackage, Universe } from './universe.js';

export interface WorldEntry {
  dep: ApkDep;
  /** As the user wrote it. */
  raw: string;
  /** Part of the base system's world, not of the request (chains start at requests). */
  base?: boolean;
}

interface Requirement {
  /** `world` or the requiring package. */
  by: ApkPackage | null;
  dep: ApkDep;
}

const label = (p: ApkPackage): string => `${p.name}-${p.version}`;
const byLabel = (r: Requirement): string => `${r.by ? label(r.by) : 'world'}[${formatDep(r.dep)}]`;

/** Every requirement in play: the world's and each chosen package's dependencies. */
function requirements(world: WorldEntry[], sol: Solution): Requirement[] {
  return [...world.map((w) => ({ by: null, dep: w.dep })), ...sol.packages.flatMap((p) => p.depends.map((dep) => ({ by: p, dep })))];
}

/** The names a package answers to, with the version it offers each at. */
function namesOf(p: ApkPackage): Map<string, string | null> {
  const m = new Map<string, string | null>([[p.name, p.version]]);
  for (const d of p.provides) if (!m.has(d.name)) m.set(d.name, d.version ?? null);
  return m;
}

export function unsolvable(u: Universe, world: WorldEntry[], sol: Solution): ReproError {
  const reqs = requirements(world, sol);
  const lines = ['unable to select packages:'];
  const targets: string[] = [];
  let conflict = sol.doubleClaims.length > 0;

  for (const name of sol.unprovided) {
    const provs = name.providers;
    const virtual = provs.length > 0 && provs.every((p) => p.version === null);
    lines.push(`  ${name.name} (${provs.length === 0 ? 'no such package' : virtual ? 'virtual' : 'no provider left'}):`);
    if (virtual) lines.push(`    note: please select one of the 'provided by' packages explicitly`);
    if (provs.length) lines.push(`    provided by: ${[...new Set(provs.map((p) => (virtual ? p.pkg.name : label(p.pkg))))].join(' ')}`);
    lines.push(`    required by: ${reqs.filter((r) => r.dep.name === name.name && !r.dep.conflict).map(byLabel).join(' ')}`);
    targets.push(name.name);
  }
  const collateral: string[] = [];
  for (const pkg of sol.errorPackages) {
    const names = namesOf(pkg);
    const broken = reqs.filter((r) => names.has(r.dep.name) && r.by !== pkg && !depMatches(r.dep, names.get(r.dep.name), pkg.checksum?.raw));
    const breaks = broken.filter((r) => !r.dep.conflict);
    const conflicts = broken.filter((r) => r.dep.conflict);
    const claims = sol.doubleClaims.filter((c) => c.first === pkg || c.second === pkg)
      .map((c) => `${label((c.first === pkg ? c.second : c.first) ?? pkg)}[${c.name.name}]`);
    const unmet = pkg.depends.filter((d) => {
      const c = sol.chosen(u.name(d.name));
      return !depMatches(d, c?.pkg ? c.version : undefined, c?.pkg?.checksum?.raw);
    });
    const reasons: string[] = [];
    if (breaks.length) reasons.push(`    breaks: ${breaks.map(byLabel).join(' ')}`);
    if (conflicts.length || claims.length) reasons.push(`    conflicts: ${[...conflicts.map(byLabel), ...claims].join(' ')}`);
    if (unmet.length) reasons.push(`    depends on, unmet: ${unmet.map(formatDep).join(' ')}`);
    // Packages ruled out only because one of their dependencies was are listed once, at the end.
    if (!reasons.length) {
      collateral.push(label(pkg));
      continue;
    }
    if (conflicts.length || claims.length) conflict = true;
    lines.push(`  ${label(pkg)}:`, ...reasons);
    targets.push(pkg.name);
  }
  if (collateral.length) lines.push(`  also left without a valid choice: ${collateral.join(' ')}`);

  const { roots, edges } = graph(u, world, sol);
  const chains = targets.length ? shortestChains(roots, edges, targets[0]) : [];
  const chain = chains[0] ?? [];
  const chainText = chain.length > 1 ? `\nchain: ${chain.join(' → ')}` : '';
  return new ReproError(conflict ? 'CONFLICT' : 'UNSATISFIABLE', lines.join('\n') + chainText, {
    hint: conflict
      ? 'Two of the packages cannot be installed together (a conflict, or two packages claiming one name). Drop one of the requests, or name the provider you want.'
      : sol.unprovided.some((n) => n.providers.length && n.providers.every((p) => p.version === null))
        ? 'apk does not pick a provider of a virtual name on its own: add one of the packages listed under "provided by" to the request.'
        : 'A dependency cannot be met from these repositories: check the repositories (e.g. add community) and version pins.',
    detail: { chain, chains, apk: lines },
  });
}

/** Edges among requests, chosen package names and unmet names, for the chain. */
function graph(u: Universe, world: WorldEntry[], sol: Solution): { roots: string[]; edges: Map<string, string[]> } {
  const edges = new Map<string, string[]>();
  const target = (d: ApkDep): string => sol.chosen(u.name(d.name))?.pkg?.name ?? d.name;
  const add = (from: string, to: string): void => {
    if (from === to) return;
    const l = edges.get(from) ?? edges.set(from, []).get(from)!;
    if (!l.includes(to)) l.push(to);
  };
  for (const w of world) if (!w.dep.conflict) add(w.raw, target(w.dep));
  for (const p of sol.packages) for (const d of p.depends) if (!d.conflict) add(p.name, target(d));
  const asked = world.filter((w) => !w.base && !w.dep.conflict);
  return { roots: (asked.length ? asked : world).map((w) => w.raw), edges };
}

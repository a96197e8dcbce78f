/**
 * What `pacman -S --noconfirm TARGETS` would install, following libalpm 6 rule by rule (the rule
 * numbers are those of shared/notes/pacman-resolution.md):
 *   targets → packages (rule 2), each resolved depth-first in command-line order (rules 5–8), then
 *   the conflict checks of a real -S (rule 10) and the final dependency check.
 * Nothing here is a search for a "best" solution: pacman never backtracks into another candidate,
 * so neither does this.
 */
import { ReproError, closeNames } from '../../core/errors.js';
import { formatDepend, parseDepend, satisfies, type Depend } from './depend.js';
import type { PacmanPackage } from './desc.js';
import { byAnyName, Local, type Repo } from './universe.js';
import { findGroup, findInstalled, findSatisfier } from './find.js';

export interface ResolveInput {
  /** Sync repositories in priority order. */
  repos: Repo[];
  /** The local database (the base system). */
  installed: PacmanPackage[];
  /** Targets as pacman reads them: `name`, `name=ver`, `name>=ver`, `repo/name`. */
  targets: string[];
  /** false: like `pacman -Sp`, which skips the conflict checks (the oracle tests compare with it). */
  checkConflicts?: boolean;
}

export interface Dropped {
  pkg: PacmanPackage;
  /** The package it conflicts with, which provides its name and so replaces it. */
  keptFor: PacmanPackage;
}

export interface ResolveResult {
  /** What would be installed, in pacman's resolution order (each package follows the target that pulled it). */
  packages: PacmanPackage[];
  /** The targets after group expansion and duplicate removal (the requested packages). */
  requested: PacmanPackage[];
  /** Packages removed from the list by a conflict with a package that provides them (rule 10). */
  dropped: Dropped[];
}

export interface Failure {
  /** The dependency as written. */
  dep: string;
  requiredBy: string;
  /** From the target down to requiredBy, then the dependency. */
  chain: string[];
}

export function resolve(input: ResolveInput): ResolveResult {
  const local = new Local(input.installed);
  const requested = collectTargets(input.repos, local, input.targets);
  const r = new DepResolver(input.repos, local, requested);
  const failed = new Map<string, Failure>();
  for (const pkg of requested) r.resolve(pkg, [], failed);
  if (failed.size) throw unsatisfiable([...failed.values()]);
  let packages = r.list;
  const dropped: Dropped[] = [];
  if (input.checkConflicts !== false) {
    packages = innerConflicts(packages, dropped);
    outerConflicts(packages, local);
  }
  finalCheck(packages, local);
  return { packages, requested: requested.filter((p) => packages.includes(p)), dropped };
}

/** Rule 2: each target to a package, a provider, or a group's members; every target is tried. */
function collectTargets(repos: Repo[], local: Local, targets: string[]): PacmanPackage[] {
  const add: PacmanPackage[] = [];
  const names = new Set<string>();
  const missing: string[] = [];
  const problems: string[] = [];
  const push = (p: PacmanPackage) => {
    if (names.has(p.name)) return; // "skipping target": duplicates are ignored
    names.add(p.name);
    add.push(p);
  };
  for (const t of targets) {
    const slash = t.indexOf('/');
    let dbs = repos;
    let s = t;
    if (slash > 0) {
      const id = t.slice(0, slash);
      const db = repos.find((r) => r.id === id);
      if (!db) {
        problems.push(`database not found: ${id} (in target ${t}; repositories: ${repos.map((r) => r.id).join(', ')})`);
        continue;
      }
      dbs = [db];
      s = t.slice(slash + 1);
    }
    const pkg = findSatisfier(dbs, parseDepend(s), local);
    if (pkg) {
      push(pkg);
      continue;
    }
    const members = findGroup(dbs, s);
    if (members.length) members.forEach(push);
    else missing.push(t);
  }
  if (problems.length) throw new ReproError('SPEC', problems.join('; '));
  if (missing.length) throw notFound(repos, missing);
  return add;
}

function notFound(repos: Repo[], missing: string[]): ReproError {
  const lines: string[] = [];
  let code: 'NOT_FOUND' | 'NO_VERSION' = 'NOT_FOUND';
  const detail: Record<string, unknown>[] = [];
  for (const t of missing) {
    const slash = t.indexOf('/');
    const dbs = slash > 0 ? repos.filter((r) => r.id === t.slice(0, slash)) : repos;
    const dep = parseDepend(slash > 0 ? t.slice(slash + 1) : t);
    const versions = dbs.flatMap((r) => (r.byName.has(dep.name) ? [`${r.byName.get(dep.name)!.version} (${r.id})`] : []));
    if (dep.mod !== 'any' && versions.length) {
      if (missing.length === 1) code = 'NO_VERSION';
      lines.push(`${dep.name}: no version ${dep.mod === '=' ? dep.version : `${dep.mod}${dep.version}`} (available: ${versions.join(', ')})`);
      detail.push({ target: t, available: versions });
      continue;
    }
    const all = new Set<string>();
    for (const r of dbs) {
      for (const p of r.packages) all.add(p.name);
      for (const g of r.groups.keys()) all.add(g);
      for (const pr of r.providers.keys()) all.add(pr);
    }
    const near = closeNames(dep.name, all);
    lines.push(`target not found: ${t}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
    detail.push({ target: t, closeNames: near });
  }
  return new ReproError(code, lines.join('\n'), {
    hint: code === 'NO_VERSION' ? 'Pin a version the snapshot has, or change the snapshot.' : 'Check the name (pacman -Ss at the snapshot), or add the repository that has it.',
    detail: { missing: detail },
  });
}

function unsatisfiable(failed: Failure[]): ReproError {
  const seen = new Set<string>();
  const uniq = failed.filter((f) => {
    const k = `${f.dep}\0${f.requiredBy}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  const lines = uniq.map((f) => `unable to satisfy dependency '${f.dep}' required by ${f.requiredBy} (${f.chain.join(' → ')})`);
  return new ReproError('UNSATISFIABLE', `could not satisfy dependencies:\n${lines.join('\n')}`, {
    hint: 'No package at this snapshot provides the dependency. Try another snapshot, add the repository that has it, or drop the package that needs it.',
    detail: { chain: uniq[0].chain, failures: uniq },
  });
}

/**
 * _alpm_resolvedeps over a list that only grows, except that a package whose dependencies fail is
 * taken out again with everything it pulled in (rule 8).
 *
 * Memo (rule 8 says libalpm repeats failing subtrees, which makes big groups slow): a failed
 * package records every name its attempt looked up in the list (dependencies checked, candidates
 * excluded, packages found already there) and which list members answered to those names. If a
 * later attempt starts on a list whose members answering to those names are the same, every
 * lookup would answer the same, so the attempt would fail the same way: it is skipped. Failures
 * themselves are kept once, never rolled back, so nothing needs replaying.
 */
class DepResolver {
  readonly list: PacmanPackage[] = [];
  /** Installed packages minus those sharing a name with a target (they are being replaced). */
  private readonly localpkgs: Local;
  /** List members by their name and provided names. */
  private readonly listIndex = new Map<string, PacmanPackage[]>();
  private readonly inList = new Set<string>();
  private readonly failedOn = new Map<PacmanPackage, { names: string[]; members: (PacmanPackage[] | undefined)[] }[]>();
  /** Targets by their name and provided names, in target order. */
  private readonly preferredIndex = new Map<string, PacmanPackage[]>();

  constructor(
    private readonly repos: Repo[],
    private readonly local: Local,
    /** The targets (`preferred`): a target that satisfies a dependency is taken before any search. */
    preferred: PacmanPackage[],
  ) {
    const targetNames = new Set(preferred.map((p) => p.name));
    this.localpkgs = new Local(local.packages.filter((p) => !targetNames.has(p.name)));
    for (const p of preferred) for (const n of namesOf(p)) (this.preferredIndex.get(n) ?? this.preferredIndex.set(n, []).get(n)!).push(p);
  }

  private push(p: PacmanPackage): void {
    this.list.push(p);
    this.inList.add(p.name);
    for (const n of namesOf(p)) (this.listIndex.get(n) ?? this.listIndex.set(n, []).get(n)!).push(p);
  }

  private truncate(n: number): void {
    for (let i = this.list.length - 1; i >= n; i--) {
      const p = this.list[i];
      this.inList.delete(p.name);
      for (const k of namesOf(p)) this.listIndex.get(k)!.pop(); // pushed last, so it is on top
    }
    this.list.length = n;
  }

  private sameMembers(names: string[], members: (PacmanPackage[] | undefined)[]): boolean {
    for (let i = 0; i < names.length; i++) {
      const now = this.listIndex.get(names[i]);
      const then = members[i];
      const a = now?.length ?? 0;
      if (a !== (then?.length ?? 0)) return false;
      for (let k = 0; k < a; k++) if (now![k] !== then![k]) return false;
    }
    return true;
  }

  /**
   * Returns false when pkg cannot be installed; new failures are added to `failed` (once per
   * dependency and package). `reads` collects the names looked up, for the caller's memo.
   */
  resolve(pkg: PacmanPackage, stack: string[], failed: Map<string, Failure>, reads: Set<string> = new Set()): boolean {
    reads.add(pkg.name);
    if (this.inList.has(pkg.name)) return true;
    for (const m of this.failedOn.get(pkg) ?? []) {
      if (this.sameMembers(m.names, m.members)) {
        for (const n of m.names) reads.add(n);
        return false;
      }
    }
    const mark = this.list.length;
    this.push(pkg);
    const path = [...stack, pkg.name];
    const mine = new Set<string>([pkg.name]);
    const excluded = (name: string) => (mine.add(name), this.inList.has(name));

    // alpm_checkdeps: missing unless pkg itself or an installed package (other than pkg's own
    // name) satisfies it. Computed before any dependency is resolved, as libalpm does.
    const missing = pkg.depends.filter((d) => !satisfies(pkg, d) && !this.localpkgs.candidates(d.name).some((l) => l.name !== pkg.name && satisfies(l, d)));
    let ok = true;
    for (const dep of missing) {
      mine.add(dep.name);
      if (this.listIndex.get(dep.name)?.some((p) => satisfies(p, dep))) continue;
      let spkg = this.preferredIndex.get(dep.name)?.find((p) => satisfies(p, dep));
      spkg ??= findSatisfier(this.repos, dep, this.local, excluded);
      if (spkg && this.resolve(spkg, path, failed, mine)) continue;
      // No candidate, or it failed: no other candidate is tried, only the installed packages.
      if (findInstalled(this.local, dep)) continue;
      const d = formatDepend(dep);
      const key = `${d}\0${pkg.name}`;
      if (!failed.has(key)) failed.set(key, { dep: d, requiredBy: pkg.name, chain: [...path, d] });
      ok = false;
    }
    for (const n of mine) reads.add(n);
    if (ok) return true;
    this.truncate(mark);
    const names = [...mine];
    const memo = this.failedOn.get(pkg) ?? this.failedOn.set(pkg, []).get(pkg)!;
    if (memo.length >= 8) memo.shift(); // a few recent lists are enough; old ones rarely recur
    memo.push({ names, members: names.map((n) => this.listIndex.get(n)?.slice()) });
    return false;
  }
}

/** The names a package answers to: its own and every provided name (each once). */
function namesOf(p: PacmanPackage): string[] {
  const out = [p.name];
  for (const pr of p.provides) if (!out.includes(pr.name)) out.push(pr.name);
  return out;
}

/**
 * Rule 10 (a real -S; -Sp skips it): of two conflicting packages in the list, the one whose name
 * the other provides is dropped (the dependencies it pulled in stay); otherwise the transaction
 * fails. Conflicts are found in list order, each pair once per direction, as libalpm does.
 */
function innerConflicts(list: PacmanPackage[], dropped: Dropped[]): PacmanPackage[] {
  const pairs: [PacmanPackage, PacmanPackage, Depend][] = [];
  const seen = new Set<string>();
  for (const p1 of list) {
    for (const c of p1.conflicts) {
      for (const p2 of list) {
        if (p1.name === p2.name || !satisfies(p2, c)) continue;
        const k = `${p1.name}\0${p2.name}`;
        if (!seen.has(k)) (seen.add(k), pairs.push([p1, p2, c]));
      }
    }
  }
  let out = list;
  for (const [a, b, why] of pairs) {
    if (!out.includes(a) || !out.includes(b)) continue;
    let gone: PacmanPackage;
    let kept: PacmanPackage;
    if (satisfies(a, { name: b.name, mod: 'any' })) [gone, kept] = [b, a];
    else if (satisfies(b, { name: a.name, mod: 'any' })) [gone, kept] = [a, b];
    else {
      throw new ReproError('CONFLICT', `unresolvable package conflicts detected: ${a.name} ${a.version} and ${b.name} ${b.version} are in conflict (${a.name} conflicts with ${formatDepend(why)}), and neither provides the other.`, {
        hint: 'pacman would refuse this transaction too. Request only one of them.',
        detail: { packages: [a.name, b.name], conflict: formatDepend(why), rule: 'conflicting targets, neither provides the other' },
      });
    }
    dropped.push({ pkg: gone, keptFor: kept });
    out = out.filter((p) => p !== gone);
  }
  return out;
}

/** A conflict with an installed package: pacman asks to remove it, and --noconfirm answers no. */
function outerConflicts(list: PacmanPackage[], local: Local): void {
  const names = new Set(list.map((p) => p.name));
  const others = local.packages.filter((l) => !names.has(l.name)); // same name = an upgrade, not a conflict
  for (const p of list) {
    for (const l of others) {
      const c = p.conflicts.find((d) => satisfies(l, d)) ?? l.conflicts.find((d) => satisfies(p, d));
      if (!c) continue;
      throw new ReproError('CONFLICT', `${p.name} ${p.version} and the installed ${l.name} ${l.version} are in conflict (${formatDepend(c)}); pacman --noconfirm refuses to remove ${l.name}.`, {
        hint: 'A lock only adds packages to the base system. Drop the request, or lock against a base without the installed package (--installed).',
        detail: { packages: [p.name, l.name], conflict: formatDepend(c), rule: 'conflict with an installed package' },
      });
    }
  }
}

/**
 * alpm_checkdeps with reverse dependencies, after conflicts: every new package's dependencies met
 * by the list or the untouched installed packages, and no installed package's dependency broken
 * by an upgrade in the list.
 */
function finalCheck(list: PacmanPackage[], local: Local): void {
  const names = new Set(list.map((p) => p.name));
  const untouched = local.packages.filter((l) => !names.has(l.name));
  const inList = byAnyName(list);
  const inUntouched = byAnyName(untouched);
  const met = (index: Map<string, PacmanPackage[]>, d: Depend) => index.get(d.name)?.some((q) => satisfies(q, d)) ?? false;
  const problems: Failure[] = [];
  for (const p of list) {
    for (const d of p.depends) {
      if (!met(inList, d) && !met(inUntouched, d)) {
        problems.push({ dep: formatDepend(d), requiredBy: p.name, chain: [p.name, formatDepend(d)] });
      }
    }
  }
  const replaced = local.packages.filter((l) => names.has(l.name));
  for (const l of untouched) {
    for (const d of l.depends) {
      if (replaced.some((r) => satisfies(r, d)) && !met(inList, d) && !met(inUntouched, d)) {
        problems.push({ dep: formatDepend(d), requiredBy: `${l.name} (installed)`, chain: [l.name, formatDepend(d)] });
      }
    }
  }
  if (problems.length) throw unsatisfiable(problems);
}

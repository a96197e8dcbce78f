/**
 * libalpm's searches over repositories: resolvedep (a package for a dependency: the exact name
 * first, across all repositories, then providers in repository-then-name order, an installed
 * provider winning at once; `--noconfirm` takes the first) and alpm_find_group_pkgs.
 */
import { satisfiesByProvide, satisfiesLiteral, type Depend } from './depend.js';
import type { PacmanPackage } from './desc.js';
import type { Local, Repo } from './universe.js';

/** Rule 4: resolvedep over sync repositories, leaving out packages for which `excluded(name)` holds. */
export function findSatisfier(dbs: Repo[], dep: Depend, local: Local, excluded?: (name: string) => boolean): PacmanPackage | undefined {
  for (const db of dbs) {
    const p = db.byName.get(dep.name);
    if (p && satisfiesLiteral(p, dep) && !excluded?.(p.name)) return p;
  }
  let first: PacmanPackage | undefined;
  for (const db of dbs) {
    for (const p of db.providers.get(dep.name) ?? []) {
      if (p.name === dep.name || !satisfiesByProvide(p.provides, dep) || excluded?.(p.name)) continue;
      if (local.has(p.name)) return p; // already installed: no question asked
      first ??= p;
    }
  }
  return first;
}

/** resolvedep over the local database alone: is the dependency met by an installed package? */
export function findInstalled(local: Local, dep: Depend): PacmanPackage | undefined {
  const p = local.byName.get(dep.name);
  if (p && satisfiesLiteral(p, dep)) return p;
  return local.candidates(dep.name).find((c) => c.name !== dep.name && satisfiesByProvide(c.provides, dep));
}

/** Rule 9: a group's members across repositories, the first package of each name kept. */
export function findGroup(dbs: Repo[], group: string): PacmanPackage[] {
  const out: PacmanPackage[] = [];
  const names = new Set<string>();
  for (const db of dbs) {
    for (const p of db.groups.get(group) ?? []) {
      if (!names.has(p.name)) (names.add(p.name), out.push(p));
    }
  }
  return out;
}

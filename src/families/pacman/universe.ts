/**
 * The packages the resolver sees: sync repositories in configuration order (each indexed by name,
 * by provided name and by group, all in byte-wise name order as libalpm's caches are) and the
 * local database (installed packages).
 */
import type { PacmanPackage } from './desc.js';

export interface Repo {
  id: string;
  packages: PacmanPackage[];
  byName: Map<string, PacmanPackage>;
  /** Provided name → packages providing it, in name order (each package once). */
  providers: Map<string, PacmanPackage[]>;
  groups: Map<string, PacmanPackage[]>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) {
    if (l[l.length - 1] !== v) l.push(v);
  } else m.set(k, [v]);
}

/**
 * Name → the packages of `list` whose own name or a provide is that name, in list order: the only
 * ones satisfies() can accept for a dependency on the name, so a check looks at these instead of
 * scanning the whole list.
 */
export function byAnyName(list: PacmanPackage[]): Map<string, PacmanPackage[]> {
  const m = new Map<string, PacmanPackage[]>();
  for (const p of list) {
    push(m, p.name, p);
    for (const pr of p.provides) push(m, pr.name, p);
  }
  return m;
}

/** `packages` must already be in name order (parseDb returns them so). */
export function makeRepo(id: string, packages: PacmanPackage[]): Repo {
  const byName = new Map<string, PacmanPackage>();
  const providers = new Map<string, PacmanPackage[]>();
  const groups = new Map<string, PacmanPackage[]>();
  for (const p of packages) {
    byName.set(p.name, p);
    for (const pr of p.provides) push(providers, pr.name, p);
    for (const g of p.groups) push(groups, g, p);
  }
  return { id, packages, byName, providers, groups };
}

/** The local database: installed packages by name and by every name they satisfy. */
export class Local {
  readonly byName = new Map<string, PacmanPackage>();
  /** Name → installed packages whose own name or a provide is that name. */
  private readonly byAnyName = new Map<string, PacmanPackage[]>();

  constructor(readonly packages: PacmanPackage[]) {
    for (const p of packages) {
      this.byName.set(p.name, p);
      push(this.byAnyName, p.name, p);
      for (const pr of p.provides) push(this.byAnyName, pr.name, p);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Installed packages that might satisfy a dependency on `name` (check with satisfies()). */
  candidates(name: string): PacmanPackage[] {
    return this.byAnyName.get(name) ?? [];
  }
}

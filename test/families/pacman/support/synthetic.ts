/** Tiny hand-written repositories for the resolver's rules. */
import { parseDepend } from '../../../../src/families/pacman/depend.js';
import { emptyPackage, type PacmanPackage } from '../../../../src/families/pacman/desc.js';
import { cmpBytes } from '../../../../src/families/pacman/db.js';
import { makeRepo, type Repo } from '../../../../src/families/pacman/universe.js';

export interface Spec {
  depends?: string[];
  provides?: string[];
  conflicts?: string[];
  groups?: string[];
}

/** `pkg('foo 1-1', {depends: ['bar>=2']})` */
export function pkg(nameVersion: string, s: Spec = {}, repo = ''): PacmanPackage {
  const [name, version] = nameVersion.split(' ');
  return {
    ...emptyPackage(repo), name, version, filename: `${name}-${version}-x86_64.pkg.tar.zst`, arch: 'x86_64', sha256: '0'.repeat(64), csize: 1,
    depends: (s.depends ?? []).map(parseDepend), provides: (s.provides ?? []).map(parseDepend), conflicts: (s.conflicts ?? []).map(parseDepend), groups: s.groups ?? [],
  };
}

export function repo(id: string, pkgs: Record<string, Spec>): Repo {
  const list = Object.entries(pkgs).map(([nv, s]) => pkg(nv, s, id)).sort((a, b) => cmpBytes(a.name, b.name));
  return makeRepo(id, list);
}

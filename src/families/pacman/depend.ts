/**
 * Dependency strings as libalpm reads them (alpm_dep_from_string) and when a package meets one
 * (_alpm_depcmp): `name`, `name=ver`, `name<ver`, `name<=ver`, `name>ver`, `name>=ver`, and for
 * optdepends a `: description` after it. Used for depends, provides, conflicts, replaces and targets.
 */
import { vercmp } from './version.js';

export type DepMod = 'any' | '=' | '<' | '<=' | '>' | '>=';

export interface Depend {
  name: string;
  mod: DepMod;
  /** Absent when mod is 'any'. */
  version?: string;
  /** Text after ": " (optdepends). */
  desc?: string;
}

/**
 * libalpm's parse: the description starts at the first ": "; the operator is the first '<' before
 * it, else the first '>', else the first '='. So `a>=1<2` is name "a>=1", op "<", version "2":
 * odd, but what pacman does.
 */
export function parseDepend(s: string): Depend {
  const d = s.indexOf(': ');
  const body = d === -1 ? s : s.slice(0, d);
  const desc = d === -1 ? undefined : s.slice(d + 2);
  let at = body.indexOf('<');
  let mod: DepMod;
  let len = 1;
  if (at !== -1) {
    mod = body[at + 1] === '=' ? '<=' : '<';
  } else if ((at = body.indexOf('>')) !== -1) {
    mod = body[at + 1] === '=' ? '>=' : '>';
  } else if ((at = body.indexOf('=')) !== -1) {
    mod = '=';
  } else {
    return desc === undefined ? { name: body, mod: 'any' } : { name: body, mod: 'any', desc };
  }
  if (mod.length === 2) len = 2;
  const dep: Depend = { name: body.slice(0, at), mod, version: body.slice(at + len) };
  if (desc !== undefined) dep.desc = desc;
  return dep;
}

export function formatDepend(d: Depend): string {
  return d.mod === 'any' ? d.name : `${d.name}${d.mod}${d.version}`;
}

/** dep_vercmp: does `version` meet `mod dep.version`? */
export function versionFits(version: string, d: Depend): boolean {
  if (d.mod === 'any') return true;
  const c = vercmp(version, d.version!);
  switch (d.mod) {
    case '=':
      return c === 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** What the resolver needs of a package, installed or available. */
export interface Satisfier {
  name: string;
  version: string;
  provides: Depend[];
}

/** _alpm_depcmp_literal: the package itself, by name and version. */
export function satisfiesLiteral(p: Satisfier, d: Depend): boolean {
  return p.name === d.name && versionFits(p.version, d);
}

/**
 * _alpm_depcmp_provides: an unversioned dependency takes any provide of the name; a versioned one
 * only `name=ver` provides whose version fits. An unversioned provide never meets a versioned
 * dependency.
 */
export function satisfiesByProvide(provides: Depend[], d: Depend): boolean {
  for (const pr of provides) {
    if (pr.name !== d.name) continue;
    if (d.mod === 'any') return true;
    if (pr.mod === '=' && versionFits(pr.version!, d)) return true;
  }
  return false;
}

/** _alpm_depcmp: literal or by a provide. */
export function satisfies(p: Satisfier, d: Depend): boolean {
  return satisfiesLiteral(p, d) || satisfiesByProvide(p.provides, d);
}

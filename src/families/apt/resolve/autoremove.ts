/**
 * Rule 14: after resolving, apt drops newly marked packages nothing needs (its mark-and-sweep plus
 * apt-get's "new install that is already garbage" pass). Roots: manual packages (the installed base,
 * requests), Essential/Important, installed Priority: required. Reachability follows Pre-Depends,
 * Depends and Recommends through marked or installed packages, over every satisfying alternative
 * and provider; Suggests are not followed (APT::AutoRemove::SuggestsImportant is false on Debian).
 */
import { DepCache } from './depcache.js';
import { markInstall } from './mark.js';
import type { Pkg, Ver } from './universe.js';
import { isNegative, satisfiedBy, satisfiedByProvide, srcName, srcVersion } from './universe.js';
import { compareDebVersions } from '../version.js';

/** Not installed and not to be installed, or installed and to be removed. */
function boring(c: DepCache, p: Pkg): boolean {
  return p.current ? c.isDelete(p) : !c.isInstall(p);
}

function liveVersion(c: DepCache, p: Pkg): Ver | undefined {
  return c.isInstall(p) ? c.inst(p) : p.current;
}

/** apt's MarkRequired: everything reachable from the roots. */
function reachable(c: DepCache): Set<Pkg> {
  const marked = new Set<Pkg>();
  const explored = new Set<Pkg>();
  const visit = (p: Pkg, v: Ver | undefined): void => {
    if (!v || marked.has(p)) return;
    if (boring(c, p)) {
      explored.add(p);
      return;
    }
    marked.add(p);
    for (const d of c.deps(v)) {
      const t = d.target;
      if (explored.has(t) || d.type === 'Conflicts' || d.type === 'Breaks') continue;
      let unsatisfied = false;
      const bySource = new Map<string, Ver[]>();
      const take = (x: Ver) => (bySource.get(srcName(x)) ?? bySource.set(srcName(x), []).get(srcName(x))!).push(x);
      if (!boring(c, t)) {
        const tv = liveVersion(c, t);
        if (tv) {
          if (satisfiedBy(d.rel, tv)) take(tv);
          else unsatisfied = true;
        }
      }
      if (bySource.size === 0 && !unsatisfied) marked.add(t);
      for (const prv of t.provides) {
        const pp = prv.ver.pkg;
        if (boring(c, pp) || liveVersion(c, pp) !== prv.ver) continue;
        if (satisfiedByProvide(d.rel, prv)) take(prv.ver);
        else unsatisfied = true;
      }
      if (!unsatisfied) explored.add(t);
      // Of several binaries of one source, only those of the newest source version count.
      for (const vs of bySource.values()) {
        const newest = vs.reduce((a, b) => (compareDebVersions(srcVersion(a), srcVersion(b)) >= 0 ? a : b));
        for (const x of vs) if (srcVersion(x) === srcVersion(newest)) visit(x.pkg, x);
      }
    }
  };
  for (const p of [...c.installedPkgs, ...c.touched]) {
    if (marked.has(p) || boring(c, p)) continue;
    const st = c.peek(p);
    const root = !st?.auto || p.essential || p.important || (p.current !== undefined && p.current.priorityRank === 1);
    if (root) visit(p, liveVersion(c, p));
  }
  return marked;
}

/** Unmarks new installs that nothing needs; re-adds any whose removal broke a kept package. */
export function dropGarbage(c: DepCache): void {
  const marked = reachable(c);
  const tooMuch: Pkg[] = [];
  const garbage = c.touched.filter((p) => !p.current && c.isInstall(p) && !marked.has(p));
  garbage.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const p of garbage) {
    if (c.cand(p)) tooMuch.push(p);
    c.markDelete(p, 0, false);
  }
  if (tooMuch.length === 0 || c.brokenCount() === 0) return;
  c.u.assignIds();
  tooMuch.sort((a, b) => a.id - b.id);
  const keep = (p: Pkg) => p.current !== undefined || c.isInstall(p);
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of tooMuch) {
      const names = new Set<Pkg>([p]);
      for (const prv of c.cand(p)?.p.provides ?? []) names.add(c.u.get(c.u.targetKey(prv.name, prv.archQual, c.u.archOf(p.versions[0].p))));
      const needed = [...c.installedPkgs, ...c.touched].some(
        (n) => keep(n) && n.versions.some((v) => c.deps(v).some((d) => names.has(d.target) && !isNegative(d) && c.isImportant(d))),
      );
      if (needed) {
        markInstall(c, p, false, 0, false);
        tooMuch.splice(tooMuch.indexOf(p), 1);
        changed = true;
        break;
      }
    }
  }
}

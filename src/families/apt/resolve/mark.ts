/**
 * MarkInstall: apt's depth-first marking of a package and its dependencies (note rules 6–12).
 *
 * Order inside one call: look-ahead (7), conflicts first (8), the state change, then the package's
 * own conflicts' upgrades, then its Pre-Depends and Depends groups in field order (9), each choosing
 * among sorted providers (10), a failing automatic install undone but its helpers kept (11), and
 * protection spreading along single-solution groups of protected packages (12).
 */
import { DepCache, Mode } from './depcache.js';
import type { Dep, Pkg, Ver } from './universe.js';
import { isCritical, isNegative } from './universe.js';
import { collectReverseDepends, upgradeOtherBinaries } from './upgrade-along.js';

/**
 * Rule 10's order of the versions that could satisfy one alternative (apt's CompareProviders).
 * Negative when `a` should be tried first.
 */
function compareProviders(c: DepCache, target: Pkg, a: Ver, b: Ver): number {
  const A = a.pkg;
  const B = b.pkg;
  const pa = c.peek(A)?.protect ?? false;
  const pb = c.peek(B)?.protect ?? false;
  if (pa !== pb) return pa ? -1 : 1;
  if (a.multiArch === 'same' || b.multiArch === 'same') {
    const ia = a.multiArch === 'same' && siblingInstalled(c, A);
    const ib = b.multiArch === 'same' && siblingInstalled(c, B);
    if (ia !== ib) return ia ? -1 : 1;
  }
  if ((A.current === undefined) !== (B.current === undefined)) return A.current ? -1 : 1;
  // The package actually named in the relation (any of its architectures) before providers.
  if (A.name !== B.name) {
    if (A.name === target.name) return -1;
    if (B.name === target.name) return 1;
  }
  if (A.essential !== B.essential) return A.essential ? -1 : 1;
  if (A.important !== B.important) return A.important ? -1 : 1;
  if (A.arch !== B.arch) {
    const archs = c.u.archs;
    return archs.indexOf(A.arch) - archs.indexOf(B.arch);
  }
  if (a.priorityRank !== b.priorityRank) return a.priorityRank - b.priorityRank;
  c.u.assignIds();
  return B.id - A.id;
}

function siblingInstalled(c: DepCache, pkg: Pkg): boolean {
  for (const a of c.u.archs) {
    const p = c.u.find(c.u.keyFor(pkg.name, a));
    if (p?.current) return true;
  }
  return false;
}

/**
 * apt's getAllPossibleSolutions for the alternatives deps[start..end): each alternative's versions
 * sorted by rule 10, installed ones of the whole group first, adjacent duplicates dropped; for a
 * positive group, protected packages that must not be installed are left out.
 */
export function possibleSolutions(c: DepCache, deps: Dep[], start: number, end: number, which: 'cand' | 'now' | 'candinst'): Ver[] {
  let all: Ver[];
  if (which === 'candinst') {
    // Unsorted variant (only its size matters): candidates and installed versions by version ID.
    all = [];
    for (let k = start; k < end; k++) all.push(...c.solutions(deps[k], 'cand'), ...c.solutions(deps[k], 'now'));
    all.sort((x, y) => x.id - y.id);
  } else {
    const installed: Ver[] = [];
    const fresh: Ver[] = [];
    for (let k = start; k < end; k++) {
      const d = deps[k];
      for (const v of c.solutions(d, which).sort((x, y) => compareProviders(c, d.target, x, y))) (v.pkg.current ? installed : fresh).push(v);
    }
    all = installed.concat(fresh);
  }
  all = all.filter((v, i) => i === 0 || all[i - 1] !== v);
  if (!isNegative(deps[end - 1])) {
    all = all.filter((v) => {
      const s = c.peek(v.pkg);
      return !(s?.protect && (s.mode === Mode.Delete || (s.mode === Mode.Keep && !v.pkg.current)));
    });
  }
  return all;
}

interface Work {
  toInstall: [number, number][];
  toRemove: Dep[];
  toUpgrade: Pkg[];
  delayedRemove: Pkg[];
}

/** Groups to act on: unmet ones, or all of them for a protected package (to spread protection). */
function collectDependencies(c: DepCache, pv: Ver, deps: Dep[], w: Work): void {
  const propagate = c.st(pv.pkg).protect;
  DepCache.groups(deps, (s, e) => {
    if (c.groupOk(deps, s, e, 'inst') && !propagate) return;
    if (!c.isImportant(deps[s])) return;
    if (isNegative(deps[s])) w.toRemove.push(deps[s]);
    else w.toInstall.push([s, e]);
  });
}

/** A conflicting installed package: remove it (later, unless protected propagation says now). */
function markDeleteForNotUpgradeable(c: DepCache, pkg: Pkg, depth: number, propagate: boolean, w: Work): boolean {
  if (!propagate) {
    if (c.isDelete(pkg)) return true;
    if (!c.modeChangeOk(Mode.Delete, pkg, depth, false)) return false;
    w.delayedRemove.push(pkg);
    return true;
  }
  if (!c.isDelete(pkg) && !c.markDelete(pkg, depth + 1, false)) return false;
  c.discardCandidate(pkg);
  c.markProtected(pkg);
  return true;
}

/** Rule 8: before P is marked, clear what its Conflicts/Breaks hit among marked or installed packages. */
function removeConflicts(c: DepCache, depth: number, propagate: boolean, fromUser: boolean, w: Work): boolean {
  let failed = false;
  const stop = () => failed && !propagate && !fromUser;
  const badCandidate = new Set<Pkg>();
  for (const d of w.toRemove) {
    for (const v of possibleSolutions(c, [d], 0, 1, 'cand')) {
      const pkg = v.pkg;
      if (c.cand(pkg) !== v) continue;
      if (pkg.current !== v) {
        if (c.isInstall(pkg) && !c.markKeep(pkg, false, depth)) {
          failed = true;
          if (stop()) break;
        } else if (propagate) {
          c.discardCandidate(pkg);
          if (!pkg.current) c.markProtected(pkg);
        } else badCandidate.add(pkg);
      } else if (!markDeleteForNotUpgradeable(c, pkg, depth, propagate, w)) {
        failed = true;
        if (stop()) break;
      }
    }
    if (stop()) break;
    for (const v of possibleSolutions(c, [d], 0, 1, 'now')) {
      const pkg = v.pkg;
      const cand = c.cand(pkg);
      if (cand !== v && cand !== undefined && !badCandidate.has(pkg)) w.toUpgrade.push(pkg);
      else if (cand === pkg.current) continue;
      else if (!markDeleteForNotUpgradeable(c, pkg, depth, propagate, w)) {
        failed = true;
        if (stop()) break;
      }
    }
    if (stop()) break;
  }
  w.toRemove.length = 0;
  return !failed;
}

/** Installed packages hit by a conflict whose candidate would not conflict: upgrade, else remove. */
function upgradeOrRemoveConflicts(c: DepCache, depth: number, propagate: boolean, fromUser: boolean, w: Work): boolean {
  let failed = false;
  for (const pkg of w.toUpgrade) {
    if (!c.isInstall(pkg) && !markInstall(c, pkg, true, depth + 1, false)) {
      if (!c.markDelete(pkg, depth + 1, false)) {
        failed = true;
        if (!propagate && !fromUser) break;
      } else if (propagate) c.markProtected(pkg);
    }
  }
  w.toUpgrade.length = 0;
  return !failed;
}

/** Rules 9, 10, 12: each unmet group in order, trying the sorted solutions until one marks. */
/**
 * For an installed package, a Recommends it already had and that was unmet before stays unmet: apt
 * follows only new Recommends, or ones the installed version had satisfied (bug #470115).
 */
function oldUnmetRecommends(c: DepCache, owner: Pkg, target: Pkg): boolean {
  if (!owner.current) return false;
  const deps = c.deps(owner.current);
  let known = false;
  let satisfied = false;
  DepCache.groups(deps, (s, e) => {
    for (let k = s; k < e; k++) {
      if (isCritical(deps[k]) || !c.isImportant(deps[k]) || deps[k].target !== target) continue;
      known = true;
      satisfied = c.groupOk(deps, s, e, 'now');
      if (satisfied) return false;
    }
  });
  return known && !satisfied;
}

function installDependencies(c: DepCache, owner: Pkg, deps: Dep[], depth: number, propagate: boolean, fromUser: boolean, w: Work): boolean {
  let failed = false;
  for (const [s, e] of w.toInstall) {
    let found = c.groupOk(deps, s, e, 'inst');
    if (found && !propagate) continue;
    const critical = isCritical(deps[s]);
    if (!found && !critical && oldUnmetRecommends(c, owner, deps[s].target)) continue;
    if (found) {
      if (!critical) continue;
      const sols = possibleSolutions(c, deps, s, e, 'candinst');
      if (sols.length !== 1) continue;
      const pkg = sols[0].pkg;
      if (c.st(pkg).protect) continue;
      c.markProtected(pkg);
      if (!markInstall(c, pkg, true, depth + 1, false)) failed = true;
      continue;
    }
    const sols = possibleSolutions(c, deps, s, e, 'cand');
    for (const v of sols) {
      const pkg = v.pkg;
      if (c.cand(pkg) !== v) continue;
      if (propagate && critical && sols.length === 1) {
        if (!markInstall(c, pkg, false, depth + 1, false)) continue;
        c.markProtected(pkg);
      }
      if (!markInstall(c, pkg, true, depth + 1, false)) continue;
      found = true;
      break;
    }
    if (!found && critical) {
      failed = true;
      if (!propagate && !fromUser) break;
    }
  }
  w.toInstall.length = 0;
  return !failed;
}

/**
 * Rule 7: every critical group of the candidate needs an alternative that is installed/marked or
 * had a candidate (stale view). Otherwise the candidate is discarded and P fails.
 */
function dependenciesSatisfiable(c: DepCache, pkg: Pkg, autoInst: boolean): boolean {
  if (!autoInst) return true;
  const cand = c.cand(pkg);
  if (!cand || cand === pkg.current) return true;
  const deps = c.deps(cand);
  let ok = true;
  DepCache.groups(deps, (s, e) => {
    if (!isCritical(deps[s]) || isNegative(deps[s])) return;
    for (let k = s; k < e; k++) if (c.targetPresent(deps[k], 'inst') || c.targetPresent(deps[k], 'cand')) return;
    ok = false;
    return false;
  });
  if (ok) return true;
  const st = c.st(pkg);
  if (!st.protect) {
    if (pkg.current) {
      st.cand = pkg.current;
      st.staleCand = pkg.current;
    } else st.cand = undefined;
    if (st.mode !== Mode.Delete) {
      st.mode = Mode.Keep;
      st.inst = pkg.current;
    }
  }
  return false;
}

/** apt's MarkInstall(Pkg, AutoInst, Depth, FromUser). */
export function markInstall(c: DepCache, pkg: Pkg, autoInst: boolean, depth: number, fromUser: boolean): boolean {
  const st = c.st(pkg);
  const keepingProtected = st.protect && st.mode === Mode.Keep && st.cand !== undefined && st.cand === pkg.current;
  if (!keepingProtected && !c.modeChangeOk(Mode.Install, pkg, depth, fromUser)) return false;
  if (!st.cand) return false;
  if (!st.protect && !c.instPolicyBroken(pkg)) {
    if (st.cand === pkg.current) return st.inst ? true : c.markKeep(pkg, fromUser, depth + 1);
    if (st.mode === Mode.Install) return true;
  }
  if (!dependenciesSatisfiable(c, pkg, autoInst)) return false;
  if (fromUser) c.stateChange(pkg, fromUser);

  const failEarly = !st.protect && !fromUser;
  let failed = false;
  const w: Work = { toInstall: [], toRemove: [], toUpgrade: [], delayedRemove: [] };
  const pv = st.cand;
  const deps = c.deps(pv);
  if (autoInst) {
    collectDependencies(c, pv, deps, w);
    if (!removeConflicts(c, depth, st.protect, fromUser, w)) {
      if (failEarly) return false;
      failed = true;
    }
    collectReverseDepends(c, pv, w.toUpgrade);
  }
  if (!fromUser) c.stateChange(pkg, fromUser);
  if (!autoInst) return !failed;

  // While its dependencies are marked, P itself is protected, so they cannot unmark it (apt's
  // ScopedProtected); what they inherit is the protection P had before.
  const propagate = st.protect;
  st.protect = true;
  try {
    upgradeOtherBinaries(c, pkg, pv, depth, markInstall);
    const steps = [
      () => upgradeOrRemoveConflicts(c, depth, propagate, fromUser, w),
      () => installDependencies(c, pkg, deps, depth, propagate, fromUser, w),
      () => w.delayedRemove.reduce((ok, r) => c.markDelete(r, depth, false) && ok, true),
    ];
    for (const step of steps) {
      if (step()) continue;
      if (failEarly) {
        c.discardInstall(pkg);
        return false;
      }
      failed = true;
    }
  } finally {
    if (!propagate) st.protect = false;
  }
  return !failed;
}

/**
 * The resolution state apt keeps per package (its pkgDepCache): candidate, version to install, mode
 * (keep / install / delete), protected and auto flags, plus the dependency checks and the small
 * state changes everything else is built from (MarkKeep, MarkDelete, the install state change,
 * discarding a candidate).
 */
import type { Dep, Pkg, Universe, Ver } from './universe.js';
import { ignorableProvider, ignorableTarget, isCritical, isNegative, satisfiedBy, satisfiedByProvide, srcName } from './universe.js';

export const enum Mode {
  Keep,
  Install,
  Delete,
}

export interface State {
  /** The candidate now: discarding a failed package clears it for the rest of the run. */
  cand: Ver | undefined;
  /**
   * The candidate as apt's cached dependency states still see it. apt discards candidates without
   * refreshing those states, so a discarded candidate keeps satisfying the look-ahead (rule 7).
   */
  staleCand: Ver | undefined;
  /** The version this package will have: current, candidate, or none. */
  inst: Ver | undefined;
  mode: Mode;
  protect: boolean;
  auto: boolean;
}

/** Which version of each package a dependency check looks at. */
export type Which = 'now' | 'inst' | 'cand';

/** apt refuses to recurse deeper than this. */
const MAX_DEPTH = 3000;

export class DepCache {
  private readonly states = new Map<Pkg, State>();
  /** Packages whose state was touched, in the order they were first touched (deterministic). */
  readonly touched: Pkg[] = [];
  readonly installedPkgs: Pkg[];

  constructor(
    readonly u: Universe,
    readonly installRecommends: boolean,
  ) {
    this.installedPkgs = u.pkgs.filter((p) => p.current !== undefined);
  }

  st(pkg: Pkg): State {
    let s = this.states.get(pkg);
    if (!s) {
      s = { cand: pkg.candidate, staleCand: pkg.candidate, inst: pkg.current, mode: Mode.Keep, protect: false, auto: false };
      this.states.set(pkg, s);
      this.touched.push(pkg);
    }
    return s;
  }

  /** The state without creating one (untouched packages are kept as they are). */
  peek(pkg: Pkg): State | undefined {
    return this.states.get(pkg);
  }

  inst(pkg: Pkg): Ver | undefined {
    const s = this.states.get(pkg);
    return s ? s.inst : pkg.current;
  }

  cand(pkg: Pkg): Ver | undefined {
    const s = this.states.get(pkg);
    return s ? s.cand : pkg.candidate;
  }

  private versionFor(pkg: Pkg, which: Which): Ver | undefined {
    if (which === 'now') return pkg.current;
    if (which === 'inst') return this.inst(pkg);
    const s = this.states.get(pkg);
    return s ? s.staleCand : pkg.candidate;
  }

  deps(v: Ver): Dep[] {
    return this.u.deps(v, true);
  }

  /** The version (the package itself first, then a provider) that satisfies the relation in a view. */
  satisfier(d: Dep, which: Which): Ver | undefined {
    const t = d.target;
    if (!ignorableTarget(d, t)) {
      const v = this.versionFor(t, which);
      if (v && satisfiedBy(d.rel, v)) return v;
    }
    for (const prv of t.provides) {
      if (ignorableProvider(d, prv)) continue;
      if (this.versionFor(prv.ver.pkg, which) === prv.ver && satisfiedByProvide(d.rel, prv)) return prv.ver;
    }
    return undefined;
  }

  /** Is the relation's target (the package itself or a provider) present in the given view? */
  targetPresent(d: Dep, which: Which): boolean {
    return this.satisfier(d, which) !== undefined;
  }

  /** apt's per-dependency state: satisfied (positive) or not violated (negative). */
  depOk(d: Dep, which: Which): boolean {
    return this.targetPresent(d, which) !== isNegative(d);
  }

  private revDepsOfInstalled: Map<Pkg, Dep[]> | undefined;
  private installedBySrc: Map<string, Pkg[]> | undefined;

  /**
   * Dependencies of installed versions on `pkg` (apt's RevDependsList, kept to the ones that
   * MarkInstall_CollectReverseDepends looks at: those of a package's current version). Built on
   * first use; newest-created first, as apt prepends to the list.
   */
  installedRevDeps(pkg: Pkg): readonly Dep[] {
    if (!this.revDepsOfInstalled) {
      const m = new Map<Pkg, Dep[]>();
      for (let i = this.installedPkgs.length - 1; i >= 0; i--) {
        const deps = this.deps(this.installedPkgs[i].current!);
        for (let k = deps.length - 1; k >= 0; k--) {
          const list = m.get(deps[k].target);
          if (list) list.push(deps[k]);
          else m.set(deps[k].target, [deps[k]]);
        }
      }
      this.revDepsOfInstalled = m;
    }
    return this.revDepsOfInstalled.get(pkg) ?? [];
  }

  /** Installed packages with a version built from source package `name` (any version of theirs). */
  installedFromSource(name: string): readonly Pkg[] {
    if (!this.installedBySrc) {
      const m = new Map<string, Pkg[]>();
      for (const p of this.installedPkgs) {
        for (const n of new Set(p.versions.map(srcName))) {
          const list = m.get(n);
          if (list) list.push(p);
          else m.set(n, [p]);
        }
      }
      this.installedBySrc = m;
    }
    return this.installedBySrc.get(name) ?? [];
  }

  isImportant(d: Dep): boolean {
    return isCritical(d) || this.installRecommends;
  }

  /** Calls `fn(start, end)` for each or-group (end exclusive) of a dependency list. */
  static groups(deps: Dep[], fn: (start: number, end: number) => boolean | void): void {
    for (let i = 0; i < deps.length; ) {
      let j = i;
      while (deps[j].orNext && j + 1 < deps.length) j++;
      if (fn(i, j + 1) === false) return;
      i = j + 1;
    }
  }

  groupOk(deps: Dep[], start: number, end: number, which: Which): boolean {
    for (let k = start; k < end; k++) if (this.depOk(deps[k], which)) return true;
    return false;
  }

  /** Some critical (or, with recommends on, important) group of `v` is unmet in the given view. */
  private versionBroken(v: Ver | undefined, which: Which, important: boolean): boolean {
    if (!v) return false;
    const deps = this.deps(v);
    let broken = false;
    DepCache.groups(deps, (s, e) => {
      if (!(important ? this.isImportant(deps[s]) : isCritical(deps[s]))) return;
      if (!this.groupOk(deps, s, e, which)) {
        broken = true;
        return false;
      }
    });
    return broken;
  }

  instBroken(pkg: Pkg): boolean {
    return this.versionBroken(this.inst(pkg), 'inst', false);
  }

  /** InstBroken, or an important Recommends unmet when installing recommends. */
  instPolicyBroken(pkg: Pkg): boolean {
    return this.versionBroken(this.inst(pkg), 'inst', true);
  }

  nowBroken(pkg: Pkg): boolean {
    return this.versionBroken(pkg.current, 'now', false);
  }

  /** Packages that have a version to install (installed and kept, or marked): the broken candidates. */
  *withInst(): Iterable<Pkg> {
    for (const p of this.installedPkgs) if (this.inst(p)) yield p;
    for (const p of this.touched) if (!p.current && this.inst(p)) yield p;
  }

  brokenCount(): number {
    let n = 0;
    for (const p of this.withInst()) if (this.instBroken(p)) n++;
    return n;
  }

  isInstall(pkg: Pkg): boolean {
    return this.states.get(pkg)?.mode === Mode.Install;
  }

  isDelete(pkg: Pkg): boolean {
    return this.states.get(pkg)?.mode === Mode.Delete;
  }

  /** apt's IsModeChangeOk: protected, Essential and Important packages resist automatic changes. */
  modeChangeOk(mode: Mode, pkg: Pkg, depth: number, fromUser: boolean): boolean {
    if (depth > MAX_DEPTH || pkg.versions.length === 0) return false;
    if (fromUser) return true;
    const s = this.st(pkg);
    if (s.mode === mode) return true;
    if (s.protect) return false;
    if (mode === Mode.Delete && (pkg.essential || pkg.important)) return false;
    return true;
  }

  markKeep(pkg: Pkg, fromUser: boolean, depth: number): boolean {
    if (!this.modeChangeOk(Mode.Keep, pkg, depth, fromUser)) return false;
    const s = this.st(pkg);
    if (s.mode === Mode.Keep) return true;
    s.mode = Mode.Keep;
    s.inst = pkg.current;
    return true;
  }

  markDelete(pkg: Pkg, depth: number, fromUser: boolean): boolean {
    if (!this.modeChangeOk(Mode.Delete, pkg, depth, fromUser)) return false;
    const s = this.st(pkg);
    if (s.mode === Mode.Delete || s.inst === undefined) return true;
    // A manual request for a new package is not undone by an automatic removal.
    if (!fromUser && !pkg.current && s.inst && !s.auto) return false;
    s.mode = pkg.current ? Mode.Delete : Mode.Keep;
    s.inst = undefined;
    return true;
  }

  /** MarkInstall's state change: target the candidate; new automatic installs are flagged auto. */
  stateChange(pkg: Pkg, fromUser: boolean): void {
    const s = this.st(pkg);
    if (s.protect && s.inst === s.cand) return;
    const isNew = !pkg.current || !s.cand;
    s.mode = Mode.Install;
    s.inst = s.cand;
    if (fromUser) {
      if (isNew) s.auto = false;
    } else if (isNew) s.auto = true;
    if (s.cand === pkg.current) s.mode = Mode.Keep;
  }

  /** Forget the candidate for the rest of the run (the stale view keeps it, see State). */
  discardCandidate(pkg: Pkg): void {
    const s = this.st(pkg);
    s.cand = s.inst;
  }

  /** Undo an install mark and discard the candidate (a failed automatic install, rule 11). */
  discardInstall(pkg: Pkg): void {
    const s = this.st(pkg);
    if (s.mode === Mode.Keep && s.inst === s.cand && s.cand === pkg.current) return;
    s.inst = pkg.current;
    s.mode = Mode.Keep;
    this.discardCandidate(pkg);
  }

  markProtected(pkg: Pkg): void {
    this.st(pkg).protect = true;
  }

  /** `name=version`: a chosen candidate is a fresh one, seen everywhere. */
  setCandidate(v: Ver): void {
    const s = this.st(v.pkg);
    if (s.mode === Mode.Install && s.inst === s.cand) s.inst = v;
    s.cand = v;
    s.staleCand = v;
  }

  /** Versions that satisfy one relation, by which view (the package itself first, then providers). */
  solutions(d: Dep, which: 'cand' | 'now'): Ver[] {
    const out: Ver[] = [];
    const t = d.target;
    const live = (p: Pkg) => (which === 'now' ? p.current : this.cand(p));
    const tv = live(t);
    if (tv && !ignorableTarget(d, t) && satisfiedBy(d.rel, tv)) out.push(tv);
    for (const prv of t.provides) {
      if (ignorableProvider(d, prv)) continue;
      if (live(prv.ver.pkg) === prv.ver && satisfiedByProvide(d.rel, prv)) out.push(prv.ver);
    }
    return out;
  }

  /** Every version (any state) that could satisfy the relation: apt's AllTargets. */
  allTargets(d: Dep): Ver[] {
    const out: Ver[] = [];
    const t = d.target;
    if (!ignorableTarget(d, t)) for (const v of t.versions) if (satisfiedBy(d.rel, v)) out.push(v);
    for (const prv of t.provides) {
      if (ignorableProvider(d, prv)) continue;
      if (satisfiedByProvide(d.rel, prv)) out.push(prv.ver);
    }
    return out;
  }
}


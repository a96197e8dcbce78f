/**
 * Rule 13: apt's pkgProblemResolver, run after marking. It scores every package with a version to
 * install, then visits broken packages from the highest score down (up to 20 passes): an
 * unprotected one is kept back or dropped; a protected one gets one try at re-instating a target
 * (DoUpgrade); a package that outranks the one breaking it has that one kept or removed instead.
 */
import { DepCache, Mode } from './depcache.js';
import { markInstall } from './mark.js';
import { compareDebVersions } from '../version.js';
import type { Dep, Pkg } from './universe.js';
import { isCritical, isNegative, satisfiedBy, satisfiedByProvide, ignorableProvider, ignorableTarget } from './universe.js';

const PRIO_SCORE = [0, 3, 2, 1, -1, -2];
const DEP_SCORE: Record<Dep['type'], number> = { PreDepends: 1, Depends: 1, Recommends: 1, Conflicts: -1, Breaks: -1 };
const MAX_PASSES = 20;

export class ProblemResolver {
  private readonly scores = new Map<Pkg, number>();
  /** Packages the user asked for (apt's resolver-level Protected flag). */
  private readonly requested: Set<Pkg>;
  /** DoUpgrade is tried at most once per package. */
  private readonly upgradeTried = new Set<Pkg>();

  constructor(
    private readonly c: DepCache,
    requested: Iterable<Pkg>,
  ) {
    this.requested = new Set(requested);
  }

  private score(p: Pkg): number {
    return this.scores.get(p) ?? 0;
  }

  private add(p: Pkg, n: number): void {
    this.scores.set(p, this.score(p) + n);
  }

  /** apt's MakeScores, over the packages that have a version to install. */
  private makeScores(): void {
    const c = this.c;
    const withInst = [...c.withInst()];
    for (const p of withInst) {
      const v = c.inst(p)!;
      let s = p.essential || p.important ? 100 : 0;
      s += v.downloadable && v.priorityRank <= 5 ? PRIO_SCORE[v.priorityRank] : PRIO_SCORE[5];
      const cand = c.cand(p);
      if (p.current && cand?.downloadable) s += 1;
      this.add(p, s);
      for (const d of c.deps(v)) {
        const t = d.target;
        if (!ignorableTarget(d, t)) {
          const tv = d.rel.op ? c.inst(t) : undefined;
          if (!d.rel.op || (tv && satisfiedBy(d.rel, tv))) this.add(t, DEP_SCORE[d.type]);
        }
        const providers = new Set<Pkg>();
        for (const prv of t.provides) {
          if (ignorableProvider(d, prv)) continue;
          if (c.inst(prv.ver.pkg) === prv.ver && satisfiedByProvide(d.rel, prv)) providers.add(prv.ver.pkg);
        }
        for (const pp of providers) this.add(pp, DEP_SCORE[d.type]);
      }
    }
    const old = new Map(this.scores);
    const oldOf = (p: Pkg) => old.get(p) ?? 0;
    // One level of inheritance: a package gains the (positive) score of what depends on it.
    for (const x of withInst) {
      if (oldOf(x) <= 0) continue;
      for (const d of c.deps(c.inst(x)!)) {
        if (d.type !== 'Depends' && d.type !== 'PreDepends' && d.type !== 'Recommends') continue;
        if (c.inst(d.target)) this.add(d.target, oldOf(x));
      }
    }
    // Transfer through Provides, in package-ID order (a transfer can feed a later one).
    c.u.assignIds();
    const pending = [...this.scores.keys()].filter((p) => this.score(p) !== oldOf(p)).sort((a, b) => a.id - b.id);
    const queued = new Set(pending);
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      const transfer = Math.abs(this.score(p) - oldOf(p));
      if (transfer === 0) continue;
      const providers = new Set<Pkg>();
      for (const prv of p.provides) if (!prv.implicit && c.inst(prv.ver.pkg) === prv.ver) providers.add(prv.ver.pkg);
      for (const pp of providers) {
        this.add(pp, transfer);
        if (pp.id > p.id && !queued.has(pp)) {
          queued.add(pp);
          // keep `pending` sorted beyond i
          let j = pending.length;
          while (j > i + 1 && pending[j - 1].id > pp.id) j--;
          pending.splice(j, 0, pp);
        }
      }
    }
    for (const p of this.requested) this.add(p, 10000);
    for (const p of new Set([...withInst, ...this.scores.keys()])) if (p.essential || p.important) this.add(p, 5000);
  }

  /** apt's SmartTargetPkg: for a purely virtual name, its first provider other than the parent. */
  private smartTarget(d: Dep): Pkg {
    const t = d.target;
    if (t.provides.length === 0 || t.versions.length > 0) return t;
    const first = t.provides.find((prv) => prv.ver.pkg !== d.parent.pkg);
    return first ? first.ver.pkg : t;
  }

  /** apt's DoUpgrade: mark `pkg` (no automatic dependencies) and recursively re-instate targets. */
  private doUpgrade(pkg: Pkg): boolean {
    const c = this.c;
    const st = c.st(pkg);
    if (this.upgradeTried.has(pkg) || !st.cand || (pkg.current && compareDebVersions(st.cand.version, pkg.current.version) <= 0)) return false;
    if (this.requested.has(pkg)) return false;
    this.upgradeTried.add(pkg);
    const wasKept = st.mode === Mode.Keep;
    if (!markInstall(c, pkg, false, 0, false)) return false;
    const v = c.inst(pkg);
    if (!v) return false;
    const deps = c.deps(v);
    let fail = false;
    DepCache.groups(deps, (s, e) => {
      if (!isCritical(deps[e - 1])) return;
      for (let k = s; k < e; k++) {
        if (c.groupOk(deps, s, e, 'inst')) break;
        const p = this.smartTarget(deps[k]);
        if (c.st(p).protect) fail = true;
        else if (c.depOk(deps[k], 'cand')) {
          if (!this.doUpgrade(p)) fail = true;
          else {
            fail = false;
            break;
          }
        } else {
          if (isNegative(deps[k])) break;
          fail = true;
        }
      }
      if (fail) return false;
    });
    if (fail) {
      if (wasKept) c.markKeep(pkg, false, 0);
      else c.markDelete(pkg, 0, false);
      return false;
    }
    return true;
  }

  /** Returns true when nothing is broken afterwards. */
  resolve(): boolean {
    const c = this.c;
    // Installed packages broken by the marking get a chance to be (re)installed first.
    for (let again = true; again; ) {
      again = false;
      for (const p of c.installedPkgs) {
        if (c.isInstall(p) || !c.instBroken(p)) continue;
        markInstall(c, p, false, 0, false);
        if (c.isInstall(p)) again = true;
      }
    }
    if (c.brokenCount() === 0) return true;
    this.makeScores();
    c.u.assignIds();
    // apt sorts every package by score; ties keep package-ID order here (apt's unstable sort differs).
    const order = () => [...new Set([...c.withInst(), ...c.touched])].sort((a, b) => this.score(b) - this.score(a) || a.id - b.id);
    let change = true;
    for (let pass = 0; pass < MAX_PASSES && change; pass++) {
      change = false;
      for (const pkg of order()) {
        if (!c.inst(pkg) || !c.instBroken(pkg)) continue;
        if (this.fixOne(pkg, pass)) change = true;
      }
    }
    return c.brokenCount() === 0;
  }

  /** One visit of a broken package (the body of apt's ResolveInternal loop). */
  private fixOne(I: Pkg, pass: number): boolean {
    const c = this.c;
    let change = false;
    const deps = c.deps(c.inst(I)!);
    const kill: { pkg: Pkg; dep: Dep; end: number; start: number }[] = [];
    let inOr = false;
    let orKeep = false;
    let oldSize = 0;
    let next = 0; // the first dependency after the current group
    // The alternative being looked at and the group's last one; equal means "start the next group".
    let start = -1;
    let end = -1;
    while (next < deps.length || inOr) {
      if (start === end) {
        if (inOr && oldSize === kill.length) {
          if (!orKeep) {
            if (!c.st(I).protect) {
              c.markDelete(I, 0, false);
              change = true;
            }
          } else {
            c.markKeep(I, false, 0);
            change = true;
          }
        }
        inOr = false;
        orKeep = false;
        if (next >= deps.length) break;
        start = next;
        end = start;
        while (deps[end].orNext && end + 1 < deps.length) end++;
        next = end + 1;
        if (!isCritical(deps[end])) continue;
        inOr = start !== end;
        oldSize = kill.length;
      } else {
        start++;
        if (!isCritical(deps[start])) continue;
      }
      const d = deps[start];
      if (c.groupOk(deps, groupStart(deps, end), end + 1, 'inst')) {
        inOr = false;
        continue;
      }
      const targets = c.allTargets(d);
      if (targets.length === 0 && !c.st(I).protect && !isNegative(d) && !c.nowBroken(I)) {
        if (inOr) continue;
        change = true;
        c.markKeep(I, false, 0);
        break;
      }
      let done = false;
      for (const v of targets) {
        const pkg = v.pkg;
        if (c.inst(pkg) !== v && isNegative(d)) continue;
        if (this.score(I) <= this.score(pkg) || (!c.depOk(d, 'now') && !isNegative(deps[end]))) {
          if (c.st(I).protect) {
            if (this.doUpgrade(pkg)) {
              if (this.score(pkg) > this.score(I)) this.scores.set(pkg, this.score(I));
              break;
            }
            continue;
          }
          const wasInstall = c.isInstall(I);
          c.markKeep(I, false, 0);
          if (!c.instBroken(I)) {
            orKeep = true;
            if (inOr && wasInstall) markInstall(c, I, false, 0, false);
          } else if (!this.doUpgrade(I)) {
            if (!inOr) {
              c.markDelete(I, 0, false);
              if (pass > 1 && this.score(pkg) > this.score(I)) this.scores.set(I, this.score(pkg));
            } else {
              // Try installing the named target before giving up on I.
              const t = d.target;
              if (!t.current && !c.isDelete(t) && c.cand(t)) {
                const before = c.brokenCount();
                markInstall(c, t, true, 1, false);
                if (c.instBroken(t) || c.brokenCount() > before) c.markDelete(t, 1, false);
              }
            }
          }
          change = true;
          done = true;
          break;
        }
        if (d.type === 'Breaks' && c.depOk(deps[end], 'cand')) {
          markInstall(c, pkg, false, 0, false);
          continue;
        }
        const ps = c.st(pkg);
        if (ps.protect && ps.mode !== Mode.Delete) continue;
        kill.push({ pkg, dep: deps[end], end, start: groupStart(deps, end) });
        if (!isNegative(d)) break;
      }
      if (targets.length === 0 && !isNegative(d) && !c.st(I).protect) {
        const wasInstall = c.isInstall(I);
        c.markKeep(I, false, 0);
        if (!c.instBroken(I)) {
          orKeep = true;
          if (inOr && wasInstall) markInstall(c, I, false, 0, false);
        } else if (!inOr) c.markDelete(I, 0, false);
        change = true;
        done = true;
      }
      if (inOr) continue;
      if (done) break;
    }
    if (c.inst(I)) {
      for (const k of kill) {
        let found = false;
        if (!c.groupOk(deps, k.start, k.end + 1, 'now')) {
          if (isNegative(k.dep) && c.markDelete(k.pkg, 0, false)) found = true;
        } else if (c.markKeep(k.pkg, false, 0)) found = true;
        if ((!found || pass > 1) && this.score(I) > this.score(k.pkg)) {
          this.scores.set(k.pkg, this.score(I));
          change = true;
        }
        if (found) change = true;
      }
    }
    return change;
  }
}

/** The first alternative of the group ending at `end`. */
function groupStart(deps: Dep[], end: number): number {
  let s = end;
  while (s > 0 && deps[s - 1].orNext) s--;
  return s;
}

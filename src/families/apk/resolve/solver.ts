/**
 * apk's solver, rule by rule as shared/notes/apk-resolution.md describes apk-tools 2.14: greedy,
 * no backtracking. Constraints propagate down (a provider that breaks a constraint is disqualified,
 * a name whose candidates' dependencies can no longer be met drops them), and names are settled one
 * at a time: at once when nothing undecided depends on them and one candidate is left, else the
 * required name discovered last (a parent before its dependencies). Settling a name claims every
 * name its package provides and applies the package's dependencies as new constraints.
 *
 * The rule numbers in comments refer to the note.
 */
import { compareApkVersions } from '../version.js';
import { depMatches, type ApkDep } from '../dependency.js';
import type { ApkPackage, Name, Provider, Universe } from './universe.js';

/** What a name was settled to: a package at the version it provides the name, or nothing. */
export interface Choice {
  pkg: ApkPackage | null;
  version: string | null;
}

const NONE: Choice = { pkg: null, version: null };

class NameState {
  seen = false;
  requirers = 0;
  locked = false;
  chosen: Choice = NONE;
  orderId = 0;
  hasOptions = false;
  hasIif = false;
  noIif = true;
  reverseDepsDone = false;
  reevaluateDeps = false;
  reevaluateIif = false;
  dirty = false;
  unresolved = false;
}

class PkgState {
  seen = false;
  selectable = true;
  conflicts = 0;
  iifTriggered = false;
  iifFailed = false;
  error = false;
}

export interface Solution {
  /** Chosen packages in the order they were chosen. */
  packages: ApkPackage[];
  /** Number of problems; 0 means apk would install `packages`. */
  errors: number;
  /** Packages chosen although broken (rule 8's "breaks"), and names claimed twice. */
  errorPackages: ApkPackage[];
  /** Required names left without a provider. */
  unprovided: Name[];
  /** Names claimed by two packages at different versions (rule 7). */
  doubleClaims: { name: Name; first: ApkPackage | null; second: ApkPackage }[];
  chosen(name: Name): Choice | undefined;
}

export function solve(u: Universe, worldIn: ApkDep[]): Solution {
  return new Solver(u).run(worldIn);
}

class Solver {
  private readonly ns: NameState[] = [];
  private readonly ps: PkgState[] = [];
  private order = 0;
  private errors = 0;
  private readonly dirty: Name[] = [];
  private readonly unresolved: Name[] = []; // newest last; scanned newest first, like apk's list
  private readonly errorPackages: ApkPackage[] = [];
  private readonly unprovided: Name[] = [];
  private readonly doubleClaims: Solution['doubleClaims'] = [];
  private readonly picked: ApkPackage[] = [];
  /** Names of discovered packages that depend on a name (apk's rdepends; only discovered ones matter). */
  private readonly rdeps: Name[][] = [];

  constructor(private readonly u: Universe) {}

  private n(name: Name): NameState {
    return (this.ns[name.id] ??= new NameState());
  }

  private p(pkg: ApkPackage): PkgState {
    return (this.ps[pkg.id] ??= new PkgState());
  }

  private nameOf(s: string): Name {
    return this.u.name(s);
  }

  run(worldIn: ApkDep[]): Solution {
    // Rule 5: world entries sorted by name (byte order, as strcmp).
    const world = [...worldIn].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of world) this.discover(this.nameOf(d.name));
    for (const d of world) this.applyConstraint(null, d);
    for (;;) {
      for (let i = 0; i < this.dirty.length; i++) {
        const name = this.dirty[i];
        const s = this.n(name);
        if (!s.dirty) continue; // settled while queued
        s.dirty = false;
        this.reconsider(name);
      }
      this.dirty.length = 0;
      const next = this.pickNext();
      if (!next) break;
      this.select(next);
    }
    this.checkRequirements();
    const self = this;
    return {
      packages: this.picked,
      errors: this.errors,
      errorPackages: this.errorPackages,
      unprovided: this.unprovided,
      doubleClaims: this.doubleClaims,
      chosen: (name) => (self.ns[name.id]?.locked ? self.ns[name.id].chosen : undefined),
    };
  }

  /**
   * Rule 5: depth-first over providers' dependencies; a name gets its order id after its
   * dependencies, then the names whose install_if mention it are discovered. Iterative, so a
   * hostile index with a very long chain cannot overflow the stack.
   */
  private discover(root: Name): void {
    interface Frame { name: Name; pi: number; di: number; walk: boolean; started: boolean; ordered: boolean; ri: number }
    const visit = (name: Name): Frame | undefined => {
      const s = this.n(name);
      if (s.seen) return undefined;
      s.seen = true;
      s.noIif = true;
      return { name, pi: 0, di: 0, walk: false, started: false, ordered: false, ri: 0 };
    };
    const first = visit(root);
    if (!first) return;
    const stack: Frame[] = [first];
    while (stack.length) {
      const f = stack[stack.length - 1];
      const provs = f.name.providers;
      if (f.pi < provs.length) {
        const pkg = provs[f.pi].pkg;
        const ps = this.p(pkg);
        if (!f.started) {
          f.started = true;
          f.walk = !ps.seen;
          if (!ps.seen) {
            ps.seen = true;
            ps.iifFailed = pkg.installIf.length === 0;
            const self = this.nameOf(pkg.name);
            for (const d of pkg.depends) {
              const list = (this.rdeps[this.nameOf(d.name).id] ??= []);
              if (list[list.length - 1] !== self) list.push(self);
            }
          }
        }
        if (f.walk && f.di < pkg.depends.length) {
          const child = visit(this.nameOf(pkg.depends[f.di++].name));
          if (child) stack.push(child);
          continue;
        }
        const s = this.n(f.name);
        s.noIif = s.noIif && ps.iifFailed;
        f.pi++;
        f.di = 0;
        f.started = false;
        continue;
      }
      if (!f.ordered) {
        f.ordered = true;
        this.n(f.name).orderId = ++this.order;
      }
      const riif = f.name.rinstallIf;
      if (riif && f.ri < riif.length) {
        const child = visit(riif[f.ri++]);
        if (child) stack.push(child);
        continue;
      }
      stack.pop();
    }
  }

  private matches(dep: ApkDep, c: Choice): boolean {
    return depMatches(dep, c.pkg ? c.version : undefined, c.pkg?.checksum?.raw);
  }

  private matchesProvider(dep: ApkDep, p: Provider): boolean {
    return depMatches(dep, p.version, p.pkg.checksum?.raw);
  }

  /** Rules 1 and 7: count the requirement, rule out every provider that does not meet it. */
  private applyConstraint(parent: ApkPackage | null, dep: ApkDep): void {
    const name = this.nameOf(dep.name);
    const s = this.n(name);
    if (!dep.conflict) {
      s.requirers++;
      if (s.requirers === 1) {
        this.queueUnresolved(name);
        this.reevaluateReverseInstallIf(name);
        this.queueDirty(name);
      }
    }
    for (const p of name.providers) {
      if (dep.conflict && p.pkg === parent) continue; // a package does not conflict with itself
      if (this.matchesProvider(dep, p)) continue;
      const ps = this.p(p.pkg);
      ps.conflicts++;
      if (ps.selectable) this.disqualify(p.pkg);
    }
  }

  private queueDirty(name: Name): void {
    const s = this.n(name);
    if (s.dirty || s.locked || (s.requirers === 0 && !s.reevaluateIif)) return;
    s.dirty = true;
    this.dirty.push(name);
  }

  private queueUnresolved(name: Name): void {
    const s = this.n(name);
    if (s.locked) return;
    const want = s.requirers > 0 || s.hasIif;
    if (want && !s.unresolved) {
      s.unresolved = true;
      this.unresolved.push(name);
    } else if (!want && s.unresolved) {
      s.unresolved = false;
      this.unresolved.splice(this.unresolved.indexOf(name), 1);
    }
  }

  private reevaluateReverseDeps(name: Name): void {
    for (const n0 of this.rdeps[name.id] ?? []) {
      const s = this.n(n0);
      if (!s.seen) continue;
      s.reevaluateDeps = true;
      this.queueDirty(n0);
    }
  }

  private reevaluateReverseInstallIf(name: Name): void {
    for (const n0 of name.rinstallIf ?? []) {
      const s = this.n(n0);
      if (!s.seen || s.noIif) continue;
      s.reevaluateIif = true;
      this.queueDirty(n0);
    }
  }

  private disqualify(pkg: ApkPackage): void {
    this.p(pkg).selectable = false;
    this.reevaluateReverseDeps(this.nameOf(pkg.name));
    for (const d of pkg.provides) this.reevaluateReverseDeps(this.nameOf(d.name));
    this.reevaluateReverseInstallIf(this.nameOf(pkg.name));
  }

  private satisfiable(dep: ApkDep): boolean {
    const name = this.nameOf(dep.name);
    const s = this.n(name);
    if (s.locked) return this.matches(dep, s.chosen);
    if (s.requirers === 0 && this.matches(dep, NONE)) return true;
    return name.providers.some((p) => this.p(p.pkg).selectable && this.matchesProvider(dep, p));
  }

  /** Rule 5 ("before choosing, a candidate whose dependencies can no longer be met is dropped") and rule 6. */
  private reconsider(name: Name): void {
    const s = this.n(name);
    const reDeps = s.reevaluateDeps;
    const reIif = s.reevaluateIif;
    s.reevaluateDeps = false;
    s.reevaluateIif = false;
    let options = 0;
    let hasIif = false;
    let noIif = true;
    for (const { pkg } of name.providers) {
      const ps = this.p(pkg);
      if (reDeps && ps.selectable && !pkg.depends.every((d) => this.satisfiable(d))) this.disqualify(pkg);
      if (!ps.selectable) continue;
      if (reIif && !ps.iifTriggered && !ps.iifFailed) {
        // Rule 6: a candidate once every install_if name is settled to a provider meeting it.
        ps.iifTriggered = true;
        for (const d of pkg.installIf) {
          const ds = this.n(this.nameOf(d.name));
          if (!ds.locked) {
            ps.iifTriggered = false;
            break;
          }
          if (!this.matches(d, ds.chosen)) {
            ps.iifTriggered = false;
            ps.iifFailed = true;
            break;
          }
        }
      }
      hasIif ||= ps.iifTriggered;
      noIif &&= ps.iifFailed;
      if (s.requirers > 0) options++;
    }
    s.hasOptions = options > 1;
    s.hasIif = hasIif;
    s.noIif = noIif;
    this.queueUnresolved(name);
    s.reverseDepsDone = (this.rdeps[name.id] ?? []).every((n0) => !this.n(n0).seen || this.n(n0).locked);
  }

  /** Rule 5: a name that can be settled at once, else the required one with the highest order id. */
  private pickNext(): Name | undefined {
    let best: Name | undefined;
    let bs: NameState | undefined;
    for (let i = this.unresolved.length - 1; i >= 0; i--) {
      const name = this.unresolved[i];
      const s = this.n(name);
      if (s.reverseDepsDone && s.requirers > 0 && !s.hasOptions) return name;
      if (!bs || (s.requirers > 0 && bs.requirers === 0) || ((s.requirers > 0) === (bs.requirers > 0) && s.orderId > bs.orderId)) {
        best = name;
        bs = s;
      }
    }
    return best;
  }

  /** Rule 4: > 0 when `a` is the better provider. */
  private compare(a: Choice, b: Choice): number {
    if (!a.pkg || !b.pkg) return (a.pkg ? 1 : 0) - (b.pkg ? 1 : 0);
    const pa = this.p(a.pkg);
    const pb = this.p(b.pkg);
    let r = Number(pa.selectable) - Number(pb.selectable); // 4.1
    if (r) return r;
    r = pb.conflicts - pa.conflicts; // 4.2
    if (r) return r;
    r = Number(a.pkg.installed) - Number(b.pkg.installed); // 4.3
    if (r) return r;
    // 4.4: apk treats a missing (unversioned) side as neither lower nor higher.
    if (a.version !== null && b.version !== null) {
      r = compareApkVersions(a.version, b.version);
      if (r) return r;
    }
    if (a.pkg.name === b.pkg.name) {
      r = compareApkVersions(a.pkg.version, b.pkg.version); // 4.5
      if (r) return r;
    }
    r = a.pkg.providerPriority - b.pkg.providerPriority; // 4.7 (4.6 is 4.3 again in `add`)
    if (r) return r;
    return b.pkg.repo - a.pkg.repo; // 4.8; a full tie keeps the first provider (4.9)
  }

  private select(name: Name): void {
    const s = this.n(name);
    let chosen: Choice = NONE;
    if (s.requirers > 0 || s.hasIif) {
      for (const p of name.providers) {
        const ps = this.p(p.pkg);
        if (s.requirers === 0 && !ps.iifTriggered) continue;
        // Rule 3: an unversioned provide is chosen automatically only with a k: priority or
        // when the package's own name is required.
        if (p.version === null && p.pkg.providerPriority === 0 && this.n(this.nameOf(p.pkg.name)).requirers === 0) continue;
        if (this.compare(p, chosen) > 0) chosen = p;
      }
    }
    const pkg = chosen.pkg;
    if (!pkg) {
      this.assign(name, NONE);
      if (s.requirers > 0) {
        this.unprovided.push(name);
        this.errors++;
      }
      return;
    }
    if (!this.p(pkg).selectable) this.markError(pkg);
    this.picked.push(pkg);
    this.assign(this.nameOf(pkg.name), { pkg, version: pkg.version });
    for (const d of pkg.provides) if (d.name !== pkg.name) this.assign(this.nameOf(d.name), { pkg, version: d.version ?? null });
    for (const d of pkg.depends) this.applyConstraint(pkg, d);
  }

  /** Rule 5's claim: settle a name, ruling out its other providers (unless both provides are unversioned). */
  private assign(name: Name, c: Choice): void {
    const s = this.n(name);
    if (s.locked) {
      if (c.version === null && s.chosen.version === null) return;
      this.doubleClaims.push({ name, first: s.chosen.pkg, second: c.pkg! });
      if (c.pkg) this.markError(c.pkg);
      if (s.chosen.pkg) this.markError(s.chosen.pkg);
      return;
    }
    s.locked = true;
    s.chosen = c;
    if (s.unresolved) {
      s.unresolved = false;
      this.unresolved.splice(this.unresolved.indexOf(name), 1);
    }
    s.dirty = false;
    for (const p of name.providers) {
      if (p.pkg === c.pkg || (c.version === null && p.version === null)) continue;
      this.disqualify(p.pkg);
    }
    this.reevaluateReverseDeps(name);
    this.reevaluateReverseInstallIf(name);
  }

  private markError(pkg: ApkPackage): void {
    const ps = this.p(pkg);
    if (ps.error) return;
    ps.error = true;
    this.errorPackages.push(pkg);
    this.errors++;
  }

  /** As apk's changeset pass: every requirement of the world and of each chosen package must hold. */
  private checkRequirements(): void {
    // (A failing world requirement always leaves a broken or missing package behind already.)
    for (const pkg of this.picked) {
      for (const d of pkg.depends) {
        if (!this.matches(d, this.n(this.nameOf(d.name)).chosen)) this.markError(pkg);
      }
    }
  }
}

/**
 * dnf's `install` as a search problem: packages reachable from the requests become variables, rpm
 * relations become rules, and core/solve searches with libsolv's policy (policy.ts). Rules, in the
 * order libsolv works on them:
 *
 * - tier 0, requests: some candidate of each requested name (or, failing a name, of a provide);
 *   dnf adds the packages that obsolete a requested name, so a renamed package is found;
 * - tier 1, the base system: each installed package stays (weak), or is replaced by a newer build
 *   of its name or by a package obsoleting it (hard: dnf install never just removes);
 * - tier 2, Requires (hard) and, unless weak dependencies are off, Recommends (weak), in the order a
 *   breadth-first walk from the requests meets them; Conflicts, Obsoletes and "one build per name
 *   (per color)" as hard exclusions;
 * - tier 3, Supplements (weak): a package whose Supplements hold for newly installed packages.
 *
 * Rich dependencies become clauses through core/solve/cnf. In Conflicts and Supplements, `if`
 * means "and" (conflict with A when B is installed), as rpm documents.
 */
import { ReproError, closeNames } from '../../core/errors.js';
import { anyOf, evaluate, toCnf, type Formula } from '../../core/solve/cnf.js';
import { solve, type Rule } from '../../core/solve/solver.js';
import type { ArchPolicy } from './arch.js';
import { atoms, formatDep, type Dep, type SimpleDep } from './dep.js';
import { nevra, type RpmPackage } from './package.js';
import { Policy } from './policy.js';
import type { Universe } from './universe.js';
import { compareEvrTotal } from './version.js';

export interface Request {
  name: string;
  arch?: string;
  version?: string;
  raw: string;
}

export interface ResolveInput {
  u: Universe;
  arch: ArchPolicy;
  requests: Request[];
  weakDeps: boolean;
  priority?: (repo: string) => number;
  repoOrder?: (repo: string) => number;
  maxConflicts?: number;
}

/** Why a rule exists: turned into words when the request cannot be met. */
export type RuleInfo =
  | { kind: 'job'; request: Request; cands: number[] }
  | { kind: 'keep' | 'update'; pkg: number }
  | { kind: 'requires' | 'recommends' | 'conflicts' | 'obsoletes' | 'supplements'; pkg: number; dep: string; other?: number }
  | { kind: 'same-name'; pkg: number; other: number };

export interface Resolution {
  /** Packages to install (not in the base), universe indices, sorted by name, arch. */
  install: number[];
  /** Installed packages the transaction replaces (upgraded or obsoleted). */
  replaced: number[];
  /** The package chosen for each request, in request order. */
  requested: number[];
  /** For every installed-after package: the packages chosen for its dependencies. */
  edges: Map<number, number[]>;
  stats: { variables: number; rules: number; decisions: number; conflicts: number };
}

export class UnsatisfiableError extends Error {
  constructor(
    readonly core: RuleInfo[],
    readonly closure: number[],
  ) {
    super('unsatisfiable');
  }
}

const TIER_JOB = 0;
const TIER_KEEP = 1;
const TIER_DEPS = 2;
const TIER_WEAK = 3;

export function resolveDnf(input: ResolveInput): Resolution {
  return new Builder(input).run();
}

class Builder {
  private readonly u: Universe;
  private readonly varOf = new Map<number, number>();
  private readonly pkgOf: number[] = [0];
  private readonly queue: number[] = [];
  private readonly rules: Rule[] = [];
  private readonly info: RuleInfo[] = [];
  /** var → vars of chosen-able packages recommending it (for the policy's "recommended" step). */
  private readonly recommendedBy = new Map<number, number[]>();
  private readonly supplementsOf = new Map<number, Formula>();
  private readonly policy: Policy;
  private readonly jobRules = new Set<number>();

  constructor(private readonly in_: ResolveInput) {
    this.u = in_.u;
    const obsCache = new Map<number, number[]>();
    this.policy = new Policy({
      u: this.u,
      arch: in_.arch,
      priority: in_.priority ?? (() => 99),
      repoOrder: in_.repoOrder ?? (() => 0),
      obsoletes: (i) => {
        let o = obsCache.get(i);
        if (!o) obsCache.set(i, (o = this.obsoletedBy(i)));
        return o;
      },
      wanted: (i) => this.wanted(i),
    });
  }

  private value: (v: number) => boolean | undefined = () => undefined;

  run(): Resolution {
    const u = this.u;
    const requested: number[][] = [];
    for (const r of this.in_.requests) {
      const cands = this.candidates(r);
      requested.push(cands);
      this.addRule({ lits: cands.map((i) => this.var(i)), tier: TIER_JOB }, { kind: 'job', request: r, cands });
    }
    // The base system's own relations hold too (those not already broken).
    const installed = u.pkgs.map((_, i) => i).filter((i) => u.isInstalled(i));
    for (const i of installed) this.enqueue(this.var(i));
    // Breadth-first from the requests: each package's relations, its candidates after it.
    const expanded = new Set<number>();
    for (;;) {
      while (this.queue.length) {
        const i = this.queue.shift()!;
        if (expanded.has(i)) continue;
        expanded.add(i);
        this.expand(i);
      }
      if (!this.in_.weakDeps || !this.addSupplementers(expanded)) break;
    }
    for (const i of installed) {
      const v = this.var(i);
      const repl = this.replacements(i);
      this.addRule({ lits: [v], tier: TIER_KEEP, weak: true }, { kind: 'keep', pkg: i });
      this.addRule({ lits: [v, ...repl.map((j) => this.var(j))], tier: TIER_KEEP }, { kind: 'update', pkg: i });
    }
    this.exclusions();

    const res = solve({
      nvars: this.pkgOf.length - 1,
      rules: this.rules,
      maxConflicts: this.in_.maxConflicts,
      choose: (cands, rule, value) => {
        this.value = value;
        const info = this.info[rule];
        if (info.kind === 'supplements') return this.bestSupplementer(info.pkg, value) ? cands : [];
        const order = this.policy.order(cands.map((v) => this.pkgOf[v]), { job: this.jobRules.has(rule) });
        return order.map((i) => this.var(i));
      },
    });
    if (!res.ok) throw new UnsatisfiableError(res.core.map((r) => this.info[r]), this.pkgOf.slice(1));
    const on = new Set(res.installed.map((v) => this.pkgOf[v]));
    const byNameArch = (a: number, b: number) => {
      const x = u.pkgs[a];
      const y = u.pkgs[b];
      return x.name < y.name ? -1 : x.name > y.name ? 1 : x.arch < y.arch ? -1 : x.arch > y.arch ? 1 : compareEvrTotal(x.evr, y.evr);
    };
    return {
      install: [...on].filter((i) => !u.isInstalled(i)).sort(byNameArch),
      replaced: installed.filter((i) => !on.has(i)).sort(byNameArch),
      requested: requested.map((c) => c.find((i) => on.has(i))!),
      edges: this.edges(on),
      stats: { variables: this.pkgOf.length - 1, rules: this.rules.length, decisions: res.stats.decisions, conflicts: res.stats.conflicts },
    };
  }

  private var(i: number): number {
    let v = this.varOf.get(i);
    if (v === undefined) {
      v = this.pkgOf.push(i) - 1;
      this.varOf.set(i, v);
    }
    return v;
  }

  private addRule(r: Rule, info: RuleInfo): void {
    if (info.kind === 'job') this.jobRules.add(this.rules.length);
    this.rules.push(r);
    this.info.push(info);
    // A package a rule can install must have its own relations in the problem.
    for (const l of r.lits) if (l > 0) this.enqueue(l);
  }

  private readonly queued = new Set<number>();
  private enqueue(v: number): void {
    if (this.queued.has(v)) return;
    this.queued.add(v);
    this.queue.push(this.pkgOf[v]);
  }

  // --- requests --------------------------------------------------------------------------------

  /** The packages a request may be satisfied with (dnf install NAME[.ARCH][-VERSION]). */
  private candidates(r: Request): number[] {
    const u = this.u;
    const byArch = (i: number) => (r.arch ? u.pkgs[i].arch === r.arch : true);
    let cands = (u.byName.get(r.name) ?? []).filter(byArch);
    const byName = cands.length > 0;
    if (!byName && !r.version) {
      // dnf falls back to provides (and file paths) when no package has the name.
      cands = u.whatProvides({ t: 'simple', name: r.name }).filter(byArch);
    }
    if (cands.length === 0) {
      const near = closeNames(r.name, u.names());
      throw new ReproError('NOT_FOUND', `no package ${r.arch ? `${r.name} for ${r.arch}` : r.name} in the repositories${near.length ? `; did you mean ${near.join(', ')}?` : '.'}`, {
        hint: 'Package names are case-sensitive; `repro-get lock` searches names, then provides and file paths, as dnf does.',
        detail: { request: r.raw, suggestions: near },
      });
    }
    if (r.version) {
      const pin = splitPin(r.version);
      const match = cands.filter((i) => {
        const p = u.pkgs[i];
        return (pin.epoch === undefined || pin.epoch === p.epoch) && pin.version === p.version && (pin.release === undefined || pin.release === p.release);
      });
      if (match.length === 0) {
        const have = [...new Set(cands.map((i) => u.pkgs[i].evr))].sort(compareEvrTotal);
        throw new ReproError('NO_VERSION', `${r.name} has no version ${r.version}; available: ${have.join(', ')}.`, {
          hint: 'Pin as VERSION, VERSION-RELEASE or EPOCH:VERSION-RELEASE, e.g. name=1.2-3.fc40.',
          detail: { request: r.raw, available: have },
        });
      }
      return match;
    }
    // Only when nothing of that name is installed: packages that obsolete it (a rename) also count.
    if (byName && !cands.some((i) => u.isInstalled(i))) {
      const extra = new Set<number>();
      for (const i of cands) for (const j of this.obsoleters(i)) if (byArch(j) || !r.arch) extra.add(j);
      cands = [...cands, ...[...extra].filter((j) => !cands.includes(j))];
    }
    return cands;
  }

  // --- relations -------------------------------------------------------------------------------

  private expand(i: number): void {
    const p = this.u.pkgs[i];
    const v = this.var(i);
    const installed = this.u.isInstalled(i);
    for (const d of p.requires) {
      if (d.startsWith('rpmlib(')) continue; // provided by rpm itself
      const f = this.formula(this.dep(d, p), 'forward');
      // libsolv never fixes an installed package's dependencies that are already broken.
      if (installed && !evaluate(f, (x) => this.u.isInstalled(this.pkgOf[x]))) continue;
      this.clauses(v, f, TIER_DEPS, false, { kind: 'requires', pkg: i, dep: d });
    }
    if (this.in_.weakDeps && !installed) {
      for (const d of p.recommends) {
        const f = this.formula(this.dep(d, p), 'forward');
        const before = this.rules.length;
        this.clauses(v, f, TIER_DEPS, true, { kind: 'recommends', pkg: i, dep: d });
        for (let k = before; k < this.rules.length; k++) for (const l of this.rules[k].lits) if (l > 0) push(this.recommendedBy, l, v);
      }
    }
  }

  /** Clauses of `-pkg ∨ f`, one rule each. */
  private clauses(pkgVar: number, f: Formula, tier: number, weak: boolean, info: RuleInfo): void {
    for (const c of toCnf(f)) this.addRule({ lits: [-pkgVar, ...c], tier, weak }, info);
  }

  private dep(s: string, p: RpmPackage): Dep {
    return this.u.dep(s, nevra(p));
  }

  /**
   * A dependency as a formula over package variables. `forward` reads if/unless as implications
   * (Requires, Recommends); `positive` reads them as conjunctions (Conflicts, Supplements).
   */
  private formula(d: Dep, mode: 'forward' | 'positive'): Formula {
    switch (d.t) {
      case 'simple':
        return anyOf(this.providers(d).map((i) => this.var(i)));
      case 'and':
      case 'or':
        return { [d.t]: d.args.map((a) => this.formula(a, mode)) } as Formula;
      case 'with':
      case 'without':
        return anyOf(this.pkgSet(d).map((i) => this.var(i)));
      case 'if':
      case 'unless': {
        const main = this.formula(d.main, mode);
        const cond = this.formula(d.cond, mode);
        const alt = d.else ? this.formula(d.else, mode) : undefined;
        const when: Formula = d.t === 'if' ? cond : { not: cond };
        const unless: Formula = d.t === 'if' ? { not: cond } : cond;
        if (mode === 'forward') return { and: [{ or: [unless, main] }, ...(alt ? [{ or: [when, alt] }] : [])] };
        return { or: [{ and: [when, main] }, ...(alt ? [{ and: [unless, alt] }] : [])] };
      }
    }
  }

  /** Packages that satisfy a dependency on their own (with/without need one package for all parts). */
  private pkgSet(d: Dep): number[] {
    if (d.t === 'simple') return this.providers(d);
    if (d.t === 'with' || d.t === 'and') return d.args.map((a) => this.pkgSet(a)).reduce((a, b) => a.filter((x) => b.includes(x)));
    if (d.t === 'without') {
      const minus = new Set(d.args.slice(1).flatMap((a) => this.pkgSet(a)));
      return this.pkgSet(d.args[0]).filter((x) => !minus.has(x));
    }
    if (d.t === 'or') return [...new Set(d.args.flatMap((a) => this.pkgSet(a)))].sort((a, b) => a - b);
    throw new ReproError('FORMAT', `unsupported rich dependency inside with/without: ${formatDep(d)}.`);
  }

  private providers(d: SimpleDep): number[] {
    return this.u.whatProvides(d);
  }

  private obsoletedBy(i: number): number[] {
    const p = this.u.pkgs[i];
    const out: number[] = [];
    for (const d of p.obsoletes) {
      const dep = this.dep(d, p);
      for (const a of atoms(dep)) for (const j of this.u.obsoleted(a)) if (this.u.pkgs[j].name !== p.name) out.push(j);
    }
    return [...new Set(out)];
  }

  private readonly obsoletersIndex = new Map<number, number[]>();
  /** Packages (anywhere in the universe) whose Obsoletes match package i. */
  private obsoleters(i: number): number[] {
    if (this.obsoletersIndex.size === 0) {
      this.u.pkgs.forEach((p, j) => {
        if (p.obsoletes.length && !this.u.isInstalled(j)) for (const o of this.obsoletedBy(j)) push(this.obsoletersIndex, o, j);
      });
      this.obsoletersIndex.set(-1, []);
    }
    return this.obsoletersIndex.get(i) ?? [];
  }

  /** Builds of the same name that are not older, and obsoleting packages: what may replace installed i. */
  private replacements(i: number): number[] {
    const p = this.u.pkgs[i];
    const out = new Set<number>();
    for (const j of this.u.byName.get(p.name) ?? []) {
      const q = this.u.pkgs[j];
      if (j === i || this.u.isInstalled(j) || !this.varOf.has(j)) continue;
      if ((q.arch === p.arch || q.arch === 'noarch' || p.arch === 'noarch') && compareEvrTotal(q.evr, p.evr) >= 0) out.add(j);
    }
    for (const j of this.obsoleters(i)) if (this.varOf.has(j)) out.add(j);
    return [...out].sort((a, b) => a - b);
  }

  private readonly supplementsSeen = new Set<number>();
  /**
   * Packages whose Supplements name packages in the problem (whether or not they are in it
   * already) get a weak rule "install me when that holds"; returns whether any was added.
   */
  private addSupplementers(expanded: Set<number>): boolean {
    let added = false;
    this.u.pkgs.forEach((p, s) => {
      if (!p.supplements.length || this.supplementsSeen.has(s) || this.u.isInstalled(s)) return;
      const parts: Formula[] = [];
      for (const d of p.supplements) {
        const dep = this.dep(d, p);
        // Only packages already in the problem can trigger a supplement.
        if (!atoms(dep).some((a) => this.providers(a).some((j) => expanded.has(j)))) continue;
        parts.push(this.formula(dep, 'positive'));
      }
      if (!parts.length) return;
      this.supplementsSeen.add(s);
      const f: Formula = { or: parts };
      // libsolv leaves out supplements that the base system alone already triggers.
      if (evaluate(f, (x) => this.u.isInstalled(this.pkgOf[x]))) return;
      const v = this.var(s);
      this.supplementsOf.set(s, f);
      for (const c of toCnf({ or: [{ not: f }, { lit: v }] })) this.addRule({ lits: c, tier: TIER_WEAK, weak: true }, { kind: 'supplements', pkg: s, dep: p.supplements.join(', ') });
      added = true;
    });
    return added;
  }

  /**
   * libsolv installs, of all the packages whose Supplements hold at this point, only the best
   * architecture and version per name, and none of a name already chosen in another architecture
   * (resolve_weak): whether `s` is one of them.
   */
  private bestSupplementer(s: number, value: (v: number) => boolean | undefined): boolean {
    const otherArchChosen = (t: number) => {
      const p = this.u.pkgs[t];
      return (this.u.byName.get(p.name) ?? []).some((j) => this.u.pkgs[j].arch !== p.arch && this.varOf.has(j) && value(this.var(j)) === true);
    };
    const pending: number[] = [];
    for (const [t, f] of this.supplementsOf) {
      if (value(this.var(t)) === undefined && evaluate(f, (x) => value(x) === true) && !otherArchChosen(t)) pending.push(t);
    }
    return this.policy.order(pending, { mode: 'recommend' }).includes(s);
  }

  /** Conflicts, Obsoletes and one build per name: pairwise exclusions among the problem's packages. */
  private exclusions(): void {
    const u = this.u;
    const inProblem = (j: number) => this.varOf.has(j);
    const excluded = new Set<string>();
    const exclude = (a: number, b: number, info: RuleInfo) => {
      const k = a < b ? `${a},${b}` : `${b},${a}`;
      if (a === b || excluded.has(k)) return;
      excluded.add(k);
      this.addRule({ lits: [-this.var(a), -this.var(b)], tier: TIER_DEPS }, info);
    };
    const vars = this.pkgOf.slice(1);
    for (const i of vars) {
      const p = u.pkgs[i];
      for (const d of p.conflicts) {
        const dep = this.dep(d, p);
        if (dep.t === 'simple') {
          for (const j of this.providers(dep)) if (j !== i && inProblem(j)) exclude(i, j, { kind: 'conflicts', pkg: i, dep: d, other: j });
        } else {
          this.clauses(this.var(i), { not: this.formula(dep, 'positive') }, TIER_DEPS, false, { kind: 'conflicts', pkg: i, dep: d });
        }
      }
      for (const d of p.obsoletes) {
        for (const a of atoms(this.dep(d, p))) {
          for (const j of u.obsoleted(a)) if (u.pkgs[j].name !== p.name && inProblem(j)) exclude(i, j, { kind: 'obsoletes', pkg: i, dep: d, other: j });
        }
      }
    }
    // rpm keeps one build per name, except that different colors (x86_64 and i686) may coexist.
    const byName = new Map<string, number[]>();
    for (const i of vars) push(byName, u.pkgs[i].name, i);
    for (const list of byName.values()) {
      for (let a = 0; a < list.length; a++) {
        for (let b = a + 1; b < list.length; b++) {
          const ca = this.in_.arch.color(u.pkgs[list[a]].arch);
          const cb = this.in_.arch.color(u.pkgs[list[b]].arch);
          if (ca === cb || ca === 0 || cb === 0) exclude(list[a], list[b], { kind: 'same-name', pkg: list[a], other: list[b] });
        }
      }
    }
  }

  // --- policy hooks ----------------------------------------------------------------------------

  private wanted(i: number): boolean {
    const v = this.varOf.get(i);
    if (v === undefined) return false;
    if ((this.recommendedBy.get(v) ?? []).some((r) => this.value(r) === true)) return true;
    const f = this.supplementsOf.get(i);
    return f !== undefined && evaluate(f, (x) => this.value(x) === true);
  }

  // --- result ----------------------------------------------------------------------------------

  /** For each package in the result, the packages in the result that satisfy its dependencies. */
  private edges(on: Set<number>): Map<number, number[]> {
    const u = this.u;
    const edges = new Map<number, number[]>();
    for (const i of on) {
      const p = u.pkgs[i];
      const out = new Set<number>();
      for (const d of [...p.requires, ...(this.in_.weakDeps ? p.recommends : [])]) {
        if (d.startsWith('rpmlib(')) continue;
        for (const a of atoms(this.dep(d, p))) {
          const provs = this.providers(a).filter((j) => on.has(j) && j !== i);
          if (provs.length) out.add(provs[0]);
        }
      }
      edges.set(i, [...out]);
    }
    // A package installed for its Supplements hangs under the packages that triggered it.
    for (const [s, f] of this.supplementsOf) {
      if (!on.has(s)) continue;
      for (const c of toCnf(f)) for (const l of c) if (l > 0 && on.has(this.pkgOf[l]) && this.pkgOf[l] !== s) edges.get(this.pkgOf[l])!.push(s);
    }
    for (const [k, v] of edges) edges.set(k, [...new Set(v)].sort((a, b) => a - b));
    return edges;
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** `1.2`, `1.2-3.fc40` or `1:1.2-3.fc40` → its parts (an absent epoch or release matches any). */
function splitPin(s: string): { epoch?: number; version: string; release?: string } {
  const m = /^(?:(\d+):)?([^:-]+)(?:-([^:-]+))?$/.exec(s);
  if (!m) throw new ReproError('SPEC', `"${s}" is not a version (expected VERSION, VERSION-RELEASE or EPOCH:VERSION-RELEASE).`);
  return { epoch: m[1] === undefined ? undefined : Number(m[1]), version: m[2], release: m[3] };
}

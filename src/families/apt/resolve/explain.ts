/**
 * Why a request cannot be installed, as a chain from the requested package to the missing or
 * conflicting one: `curl → libcurl4 (= 7.88.1-10) → libssl3 (>= 3.0.9): not installable (available:
 * 3.0.8-1)`. Worked out afresh from the policy candidates rather than from apt's final state, in
 * which the failed package's helpers may already have been dropped again.
 */
import { ReproError } from '../../../core/errors.js';
import { formatGroup, formatRelation } from '../relation.js';
import { DepCache } from './depcache.js';
import type { Dep, Pkg, Ver } from './universe.js';
import { ignorableProvider, ignorableTarget, isCritical, isNegative, satisfiedBy, satisfiedByProvide } from './universe.js';

interface Problem {
  chain: string[];
  reason: string;
  conflict: boolean;
}

function installable(d: Dep): Ver[] {
  const out: Ver[] = [];
  const t = d.target;
  if (!ignorableTarget(d, t) && t.candidate && satisfiedBy(d.rel, t.candidate)) out.push(t.candidate);
  for (const prv of t.provides) {
    if (ignorableProvider(d, prv)) continue;
    if (prv.ver.pkg.candidate === prv.ver && satisfiedByProvide(d.rel, prv) && !out.includes(prv.ver)) out.push(prv.ver);
  }
  return out;
}

function describe(v: Ver, c: DepCache): string {
  const what = v.pkg.current === v ? 'installed' : 'to be installed';
  const flags = v.pkg.essential ? ', Essential' : v.pkg.important ? ', Important' : '';
  return `${v.pkg.key} ${v.version} (${what}${flags})`;
}

class Explainer {
  private readonly memo = new Map<Ver, Problem | null>();
  constructor(private readonly c: DepCache) {}

  /** Why `v` cannot be installed next to what is installed or marked; null when nothing is found. */
  problem(v: Ver): Problem | null {
    const known = this.memo.get(v);
    if (known !== undefined) return known;
    this.memo.set(v, null); // a cycle counts as fine
    const p = this.find(v);
    this.memo.set(v, p);
    return p;
  }

  private find(v: Ver): Problem | null {
    const c = this.c;
    const deps = c.deps(v);
    let found: Problem | null = null;
    DepCache.groups(deps, (s, e) => {
      const d = deps[s];
      if (!isCritical(d)) return;
      if (isNegative(d)) {
        const hit = c.satisfier(d, 'inst');
        if (hit && hit.pkg !== v.pkg) {
          found = { chain: [], reason: `${d.type === 'Breaks' ? 'breaks' : 'conflicts with'} ${describe(hit, c)}`, conflict: true };
          return false;
        }
        return;
      }
      const group = deps.slice(s, e);
      if (group.some((x) => c.satisfier(x, 'inst'))) return;
      const cands = group.flatMap(installable);
      if (cands.length === 0) {
        const avail = [...new Set(group.flatMap((x) => x.target.versions.map((w) => w.version)))];
        found = { chain: [formatGroup(group.map((x) => x.rel))], reason: `not installable (${avail.length ? `available: ${avail.join(', ')}` : 'no package of that name or providing it'})`, conflict: false };
        return false;
      }
      let first: Problem | null = null;
      for (const w of cands) {
        const sub = this.problem(w);
        if (!sub) return; // this alternative works
        first ??= sub;
      }
      found = { chain: [formatGroup(group.map((x) => x.rel)), ...first!.chain], reason: first!.reason, conflict: first!.conflict };
      return false;
    });
    if (found) return found;
    // Something installed or marked may conflict with v.
    for (const other of c.withInst()) {
      const ov = c.inst(other)!;
      if (other === v.pkg) continue;
      for (const d of c.deps(ov)) {
        if (!isNegative(d)) continue;
        const hitsV = (d.target === v.pkg && !ignorableTarget(d, v.pkg) && satisfiedBy(d.rel, v)) || d.target.provides.some((prv) => prv.ver === v && satisfiedByProvide(d.rel, prv));
        if (hitsV) return { chain: [], reason: `${describe(ov, c)} ${d.type === 'Breaks' ? 'breaks' : 'conflicts with'} it (${formatRelation(d.rel)})`, conflict: true };
      }
    }
    return null;
  }
}

/** The refusal for a resolution that left packages broken. */
export function brokenError(c: DepCache, requested: Ver[]): ReproError {
  const broken = [...c.withInst()].filter((p) => c.instBroken(p));
  const reqPkgs = requested.map((v) => v.pkg);
  const pkg: Pkg = broken.find((p) => reqPkgs.includes(p)) ?? broken[0];
  const v = c.inst(pkg)!;
  const problem = new Explainer(c).problem(v) ?? finalStateProblem(c, v);
  const chain = [...pathTo(c, reqPkgs, pkg), ...problem.chain];
  const others = broken.filter((p) => p !== pkg).map((p) => p.key);
  const message = `${chain.join(' → ')}: ${problem.reason}${others.length ? ` (also broken: ${others.join(', ')})` : ''}.`;
  return new ReproError(problem.conflict ? 'CONFLICT' : 'UNSATISFIABLE', message, {
    hint: problem.conflict ? 'Drop one of the conflicting packages from the request.' : 'Pin another version, add the suite that has it, or drop the package.',
    detail: { chain, reason: problem.reason, broken: broken.map((p) => p.key) },
  });
}

/**
 * How a requested package leads to `target` through what is marked: the requested package's name,
 * then the relation followed at each step. Just `[target]` when it is requested (or unreachable).
 */
function pathTo(c: DepCache, roots: Pkg[], target: Pkg): string[] {
  const via = new Map<Pkg, { from: Pkg; rel: string } | null>();
  const queue: Pkg[] = [];
  for (const r of roots) {
    if (!via.has(r)) {
      via.set(r, null);
      queue.push(r);
    }
  }
  while (queue.length && !via.has(target)) {
    const p = queue.shift()!;
    const v = c.inst(p);
    if (!v) continue;
    const deps = c.deps(v);
    DepCache.groups(deps, (s, e) => {
      if (!isCritical(deps[s]) || isNegative(deps[s])) return;
      for (let k = s; k < e; k++) {
        const w = c.satisfier(deps[k], 'inst');
        if (w && !via.has(w.pkg)) {
          via.set(w.pkg, { from: p, rel: formatGroup(deps.slice(s, e).map((x) => x.rel)) });
          queue.push(w.pkg);
        }
      }
    });
  }
  if (!via.has(target)) return [target.key];
  const out: string[] = [];
  for (let p: Pkg = target; ; ) {
    const step = via.get(p);
    if (!step) {
      out.unshift(p.key);
      return out;
    }
    out.unshift(step.rel);
    p = step.from;
  }
}

/** Fallback: the first unmet group of the broken package in apt's final state. */
function finalStateProblem(c: DepCache, v: Ver): Problem {
  const deps = c.deps(v);
  let out: Problem = { chain: [], reason: 'dependencies cannot be satisfied', conflict: false };
  DepCache.groups(deps, (s, e) => {
    if (!isCritical(deps[s]) || c.groupOk(deps, s, e, 'inst')) return;
    const group = deps.slice(s, e);
    out = isNegative(deps[s])
      ? { chain: [], reason: `conflicts with ${describe(c.satisfier(deps[s], 'inst')!, c)}`, conflict: true }
      : { chain: [formatGroup(group.map((x) => x.rel))], reason: 'not going to be installed', conflict: false };
    return false;
  });
  return out;
}

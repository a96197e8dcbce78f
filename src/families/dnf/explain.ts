/**
 * Turns the solver's "cannot" (the rules that together cannot hold) into a message a user can act
 * on: the chain from the requested package to a requirement nothing provides, or the conflicting
 * relations, each named in rpm's words.
 */
import { ReproError } from '../../core/errors.js';
import { shortestChains } from '../../core/lockfile/graph.js';
import { atoms } from './dep.js';
import { nevra } from './package.js';
import type { Request, RuleInfo, UnsatisfiableError } from './resolve.js';
import type { Universe } from './universe.js';

type DepRule = Extract<RuleInfo, { dep: string }>;

export function explainUnsatisfiable(e: UnsatisfiableError, u: Universe, requests: Request[]): ReproError {
  const name = (i: number) => u.pkgs[i].name;
  // Name-level dependency graph of the packages the search looked at.
  const edges = new Map<string, string[]>();
  for (const i of e.closure) {
    const p = u.pkgs[i];
    const out = edges.get(p.name) ?? [];
    for (const d of p.requires) {
      if (d.startsWith('rpmlib(')) continue;
      for (const a of atoms(u.dep(d, nevra(p)))) {
        const provs = u.whatProvides(a);
        if (provs.length === 0) out.push(`${p.name}\0${d}`);
        for (const j of provs) out.push(name(j));
      }
    }
    edges.set(p.name, out);
  }
  const jobs = e.core.filter((r): r is Extract<RuleInfo, { kind: 'job' }> => r.kind === 'job');
  const roots = (jobs.length ? jobs.map((j) => j.request.name) : requests.map((r) => r.name)).filter((n) => edges.has(n) || u.byName.has(n));
  const chainTo = (target: string) => shortestChains(roots, edges, target, 1)[0];

  const missing = e.core.find((r): r is DepRule => r.kind === 'requires' && atoms(u.dep(r.dep, nevra(u.pkgs[r.pkg]))).every((a) => u.whatProvides(a).length === 0));
  if (missing) {
    const p = u.pkgs[missing.pkg];
    // The chain ends in the node standing for p's missing requirement; name it by the requirement.
    const chain = chainTo(`${p.name}\0${missing.dep}`)?.slice(0, -1) ?? [p.name];
    const full = [...chain, missing.dep];
    return new ReproError('UNSATISFIABLE', `cannot install ${full[0]}: ${nevra(p)} requires ${missing.dep}, which no package in the repositories provides (${full.join(' → ')}).`, {
      hint: 'Add the repository that provides it (repos:), or lock another version of the package that pulls it in (name=version).',
      detail: { chain: full, missing: missing.dep, problems: describeAll(e.core, u) },
    });
  }
  const problems = describeAll(e.core, u);
  const first = e.core.find((r) => r.kind !== 'job' && 'pkg' in r) as Exclude<RuleInfo, { kind: 'job' }> | undefined;
  const chain = first ? chainTo(name(first.pkg)) ?? [name(first.pkg)] : roots.slice(0, 1);
  return new ReproError('UNSATISFIABLE', `cannot install ${requests.map((r) => r.raw).join(', ')} together: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}.`, {
    hint: 'Drop or pin (name=version) one of the packages involved, or lock against another base system (--installed).',
    detail: { chain, problems },
  });
}

function describeAll(core: RuleInfo[], u: Universe): string[] {
  return [...new Set(core.map((r) => describe(r, u)).filter((s): s is string => !!s))];
}

function describe(r: RuleInfo, u: Universe): string | undefined {
  const n = (i: number) => nevra(u.pkgs[i]);
  switch (r.kind) {
    case 'job':
      return `${r.request.raw} is requested (candidates: ${r.cands.map(n).join(', ')})`;
    case 'requires':
      return `${n(r.pkg)} requires ${r.dep}`;
    case 'conflicts':
      return `${n(r.pkg)} conflicts with ${r.other !== undefined ? n(r.other) : r.dep}`;
    case 'obsoletes':
      return `${n(r.pkg)} obsoletes ${r.other !== undefined ? n(r.other) : r.dep}`;
    case 'same-name':
      return `only one of ${n(r.pkg)} and ${n(r.other)} can be installed`;
    case 'update':
      return `installed ${n(r.pkg)} must stay or be upgraded`;
    default:
      return undefined; // weak rules never make a request fail
  }
}

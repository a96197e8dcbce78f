/**
 * `apt-get install -s --no-install-recommends` reproduced: requests (rule 5), marking (rules 6–12),
 * the problem resolver (13) and garbage collection (14), over the universe of rules 1–4.
 * See README.md in this folder for the rules and the measured agreement with apt.
 */
import type { AptPackage } from '../packages.js';
import { dropGarbage } from './autoremove.js';
import { DepCache } from './depcache.js';
import { brokenError } from './explain.js';
import { markInstall } from './mark.js';
import { ProblemResolver } from './problem-resolver.js';
import { type AptRequest, resolveRequests } from './requests.js';
import type { AptPin, Pkg, Ver } from './universe.js';
import { universeFor } from './universe.js';

export type { AptRequest } from './requests.js';
export type { AptPin } from './universe.js';
export { encodeListIds, LIST_IDS_FORMAT, presetListIds } from './list-ids.js';

export interface AptResolveInput {
  /** Every stanza of every Packages file, in apt's order: sources in the order given, each file top to bottom. */
  available: AptPackage[];
  /** The installed base (dpkg status stanzas, or defaultBase()). */
  installed: AptPackage[];
  /** Command-line order. */
  requests: AptRequest[];
  nativeArch: string;
  foreignArchs?: string[];
  /** Follow Recommends like apt-get install without --no-install-recommends. */
  installRecommends?: boolean;
  /** apt_preferences(5) pins. */
  pins?: AptPin[];
}

export interface AptResolveResult {
  /** Newly installed or upgraded packages, sorted by name, arch. */
  install: AptPackage[];
  /** Installed packages apt would remove. */
  remove: AptPackage[];
  /** What each request resolved to (virtual names replaced by their provider). */
  requested: AptPackage[];
  /** For each package in install: one satisfier (from install or installed) per satisfied group. */
  edges: Map<AptPackage, AptPackage[]>;
}

export function resolveApt(input: AptResolveInput): AptResolveResult {
  const u = universeFor(input.available, input.installed, {
    nativeArch: input.nativeArch,
    foreignArchs: input.foreignArchs ?? [],
    pins: input.pins ?? [],
  });
  const c = new DepCache(u, input.installRecommends ?? false);
  const requested = resolveRequests(c, input.requests);

  // Phase 1: every request marked, without dependencies, and protected.
  for (const v of requested) {
    c.setCandidate(v);
    c.markProtected(v.pkg);
    markInstall(c, v.pkg, false, 0, true);
  }
  // Phase 2: each again with its dependencies, in command-line order (apt 2.6 TryToInstall's
  // doAutoInstall: every request, also one already satisfied, since that pass also spreads
  // protection and upgrades the other binaries of its source).
  for (const v of requested) markInstall(c, v.pkg, true, 0, true);
  const resolver = new ProblemResolver(
    c,
    requested.map((v) => v.pkg),
  );
  if (!resolver.resolve()) throw brokenError(c, requested);
  dropGarbage(c);
  return result(c, requested);
}

/** The stanza to report for a version: the caller's own installed stanza when it is the installed one. */
function stanza(v: Ver): AptPackage {
  return v.pkg.current === v ? (v.installedP ?? v.p) : v.p;
}

function result(c: DepCache, requested: Ver[]): AptResolveResult {
  const install: Ver[] = [];
  for (const p of c.touched) {
    const v = c.inst(p);
    if (c.isInstall(p) && v && v !== p.current) install.push(v);
  }
  install.sort((a, b) => cmp(a.pkg.name, b.pkg.name) || cmp(a.p.arch, b.p.arch));
  const remove = c.installedPkgs.filter((p) => c.isDelete(p)).map((p) => stanza(p.current!));
  const edges = new Map<AptPackage, AptPackage[]>();
  for (const v of install) {
    const out: AptPackage[] = [];
    const deps = c.deps(v);
    DepCache.groups(deps, (s, e) => {
      const d = deps[s];
      if (d.type !== 'PreDepends' && d.type !== 'Depends' && !(d.type === 'Recommends' && c.installRecommends)) return;
      for (let k = s; k < e; k++) {
        const w = c.satisfier(deps[k], 'inst');
        if (w) {
          if (!out.includes(stanza(w))) out.push(stanza(w));
          return;
        }
      }
    });
    edges.set(v.p, out);
  }
  return {
    install: install.map((v) => v.p),
    remove,
    requested: requested.map((v) => stanza(c.inst(v.pkg) ?? v)),
    edges,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The base the note's experiments assumed: apt's own closure of every Essential: yes or Priority:
 * required package (native architecture, by candidate), requested in index order over an empty
 * status.
 */
export function defaultBase(available: AptPackage[], nativeArch: string): AptPackage[] {
  const u = universeFor(available, [], { nativeArch, foreignArchs: [], pins: [] });
  const requests: AptRequest[] = [];
  const seen = new Set<string>();
  for (const p of available) {
    if (p.arch !== nativeArch && p.arch !== 'all') continue;
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    const cand = u.find(p.name)?.candidate;
    if (cand && (cand.p.essential || cand.p.priority?.toLowerCase() === 'required')) requests.push({ name: p.name });
  }
  return resolveApt({ available, installed: [], requests, nativeArch }).install;
}


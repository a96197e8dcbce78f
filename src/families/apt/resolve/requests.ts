/**
 * Rule 5, the request side: what each command-line argument names, refused the way apt refuses it
 * (unknown name, missing version, virtual name without a single provider, no candidate).
 */
import { ReproError, closeNames } from '../../../core/errors.js';
import type { DepCache } from './depcache.js';
import type { Pkg, Universe, Ver } from './universe.js';

export interface AptRequest {
  name: string;
  arch?: string;
  version?: string;
}

function label(r: AptRequest): string {
  return `${r.name}${r.arch ? `:${r.arch}` : ''}${r.version ? `=${r.version}` : ''}`;
}

/**
 * apt's tryVirtualPackage: the providers whose candidate provides the name; one package (or the
 * same package for several architectures, preferring the configured order) is accepted.
 */
function singleProvider(c: DepCache, pkg: Pkg): { chosen?: Pkg; providers: Pkg[] } {
  const providers: Pkg[] = [];
  for (const prv of pkg.provides) {
    const owner = prv.ver.pkg;
    if (c.cand(owner) === prv.ver && !providers.includes(owner)) providers.push(owner);
  }
  let chosen: Pkg | undefined;
  for (const p of providers) {
    if (!chosen) chosen = p;
    else if (p.name === chosen.name) {
      if (c.u.archs.indexOf(p.arch) < c.u.archs.indexOf(chosen.arch)) chosen = p;
    } else return { providers };
  }
  return { chosen, providers };
}

/** The version each request asks for, duplicates dropped, in command-line order. */
export function resolveRequests(c: DepCache, requests: readonly AptRequest[]): Ver[] {
  const u: Universe = c.u;
  const out: Ver[] = [];
  for (const r of requests) {
    const arch = r.arch === undefined || r.arch === 'all' ? u.native : r.arch;
    const key = u.keyFor(r.name, arch);
    if (!u.known(key)) {
      const close = closeNames(r.name, u.names());
      throw new ReproError('NOT_FOUND', `Unable to locate package ${label(r)}${close.length ? `; close names: ${close.join(', ')}` : ''}.`, {
        hint: close.length ? `Did you mean ${close[0]}?` : 'Check the name and that the right suites and components are configured.',
        detail: { request: label(r), closeNames: close },
      });
    }
    let pkg = u.get(key);
    if (pkg.versions.length === 0) {
      const { chosen, providers } = singleProvider(c, pkg);
      if (!chosen) {
        const names = providers.map((p) => p.key).sort();
        throw new ReproError(
          'NOT_FOUND',
          names.length
            ? `Package ${label(r)} is a virtual package provided by ${names.join(', ')}; choose one explicitly.`
            : `Package ${label(r)} has no installation candidate: it is only referred to by other packages.`,
          { hint: names.length ? `For example: ${names[0]}` : undefined, detail: { request: label(r), providers: names } },
        );
      }
      pkg = chosen;
      if (r.version !== undefined) {
        throw new ReproError('NO_VERSION', `Version ${r.version} of ${r.name} was not found: ${r.name} is virtual (provided by ${chosen.key}).`, {
          detail: { request: label(r), versions: [] },
        });
      }
    }
    let v: Ver | undefined;
    if (r.version !== undefined) {
      v = pkg.versions.find((x) => x.version === r.version);
      if (!v) {
        const versions = pkg.versions.map((x) => x.version);
        throw new ReproError('NO_VERSION', `Version ${r.version} of ${pkg.key} was not found; available: ${versions.join(', ')}.`, {
          hint: `Pin one of: ${versions.map((x) => `${r.name}=${x}`).join(', ')}`,
          detail: { request: label(r), versions },
        });
      }
    } else {
      v = c.cand(pkg);
      if (!v) {
        throw new ReproError('NOT_FOUND', `Package ${label(r)} has no installation candidate (every version is pinned away).`, {
          detail: { request: label(r), versions: pkg.versions.map((x) => x.version) },
        });
      }
    }
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

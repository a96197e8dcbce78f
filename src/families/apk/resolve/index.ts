/**
 * Resolution for `lock`: apk's solver over the universe, with the errors a user can act on checked
 * first (an unknown name with close names, a pin to a version that does not exist), then the
 * solver's own failures reported as apk reports them, with the chain to the problem.
 */
import { ReproError, closeNames } from '../../../core/errors.js';
import { depMatches, formatDep } from '../dependency.js';
import { solve } from './solver.js';
import { unsolvable, type WorldEntry } from './problems.js';
import type { ApkPackage, Universe } from './universe.js';

export type { WorldEntry } from './problems.js';

export interface ApkResolution {
  /** Every chosen package, installed ones included, in the order apk chose them. */
  packages: ApkPackage[];
  /** For each chosen package, the packages chosen for its dependencies. */
  depends: Map<ApkPackage, ApkPackage[]>;
  /** For each package chosen through install_if, the packages that triggered it. */
  triggeredBy: Map<ApkPackage, ApkPackage[]>;
  /** The package chosen for each world entry, aligned with the world (undefined for a conflict). */
  requested: (ApkPackage | undefined)[];
}

function checkRequests(u: Universe, world: WorldEntry[]): void {
  for (const w of world) {
    if (w.dep.conflict) continue;
    const name = u.names.get(w.dep.name);
    if (!name?.providers.length) {
      const known = [...u.names.values()].filter((n) => n.providers.length).map((n) => n.name);
      const near = closeNames(w.dep.name, known);
      throw new ReproError('NOT_FOUND', `unknown package "${w.raw}": no package is called or provides ${w.dep.name} (apk: ${w.dep.name} (no such package): required by: world[${formatDep(w.dep)}]).${near.length ? ` Did you mean ${near.join(', ')}?` : ''}`, {
        hint: 'Check the spelling, the release, and whether the package lives in another repository (community, testing).',
        detail: { name: w.dep.name, suggestions: near },
      });
    }
    if (w.dep.op === '=' && !name.providers.some((p) => depMatches(w.dep, p.version, p.pkg.checksum?.raw))) {
      const have = [...new Set(name.providers.filter((p) => p.version !== null).map((p) => (p.pkg.name === name.name ? p.version! : `${p.version} (from ${p.pkg.name})`)))];
      throw new ReproError('NO_VERSION', `${w.dep.name} has no version ${w.dep.version} in these repositories; available: ${have.join(', ') || 'none with a version'}.`, {
        hint: `Pin one of the available versions (${w.dep.name}=${have[0]?.split(' ')[0] ?? '…'}), or drop the pin. Alpine mirrors keep only each package's latest build per release.`,
        detail: { name: w.dep.name, requested: w.dep.version, available: have },
      });
    }
  }
}

export function resolveApk(u: Universe, world: WorldEntry[]): ApkResolution {
  checkRequests(u, world);
  const sol = solve(u, world.map((w) => w.dep));
  if (sol.errors) throw unsolvable(u, world, sol);
  const chosenPkg = (n: string): ApkPackage | undefined => sol.chosen(u.name(n))?.pkg ?? undefined;
  const depends = new Map<ApkPackage, ApkPackage[]>();
  const triggeredBy = new Map<ApkPackage, ApkPackage[]>();
  for (const p of sol.packages) {
    const deps = p.depends.filter((d) => !d.conflict).map((d) => chosenPkg(d.name)).filter((x): x is ApkPackage => !!x && x !== p);
    depends.set(p, [...new Set(deps)]);
    if (p.installIf.length) {
      const by = p.installIf.map((d) => chosenPkg(d.name)).filter((x): x is ApkPackage => !!x);
      if (by.length === p.installIf.length && !world.some((w) => chosenPkg(w.dep.name) === p)) triggeredBy.set(p, [...new Set(by)]);
    }
  }
  const requested = world.map((w) => (w.dep.conflict ? undefined : chosenPkg(w.dep.name)));
  return { packages: sol.packages, depends, triggeredBy, requested };
}

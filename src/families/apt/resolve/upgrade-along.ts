/**
 * Installed packages apt upgrades alongside one it marks for install (apt 2.6 depcache.cc, both
 * only when MarkInstall resolves dependencies, i.e. AutoInst):
 *
 * - reverse dependencies (MarkInstall_CollectReverseDepends): an installed package whose current
 *   version has an important positive dependency on P that P's current version satisfies and
 *   P's new version does not (`foo-data (= 1.0)` when foo goes to 1.1) joins the conflicts'
 *   upgrade list, tried like them: upgrade, else remove;
 * - other binaries of the same source (MarkInstall_UpgradeOtherBinaries, on unless
 *   APT::Get::Upgrade-By-Source-Package=false, apt ≥ 2.5.2): every other installed package whose
 *   candidate is built from the same source name and source version as P's candidate is marked
 *   too, first without and then with its dependencies, in package-ID order (apt's PackageSet).
 */
import type { DepCache } from './depcache.js';
import type { Pkg, Ver } from './universe.js';
import { isNegative, satisfiedBy, srcName, srcVersion } from './universe.js';

type MarkInstall = (c: DepCache, pkg: Pkg, autoInst: boolean, depth: number, fromUser: boolean) => boolean;

/** Appends to `toUpgrade` the installed packages that P's new version `pv` would leave unsatisfied. */
export function collectReverseDepends(c: DepCache, pv: Ver, toUpgrade: Pkg[]): void {
  const cur = pv.pkg.current;
  if (!cur) return;
  for (const d of c.installedRevDeps(pv.pkg)) {
    const owner = d.parent.pkg;
    if (owner.current !== d.parent || c.isInstall(owner)) continue;
    if (!c.isImportant(d) || isNegative(d)) continue;
    // Unmet before (an alternative, say) or still met afterwards: nothing to do.
    if (!satisfiedBy(d.rel, cur) || satisfiedBy(d.rel, pv)) continue;
    if (!toUpgrade.includes(owner)) toUpgrade.push(owner);
  }
}

/** Marks the other installed binaries of `ver`'s source at `ver`'s source version. */
export function upgradeOtherBinaries(c: DepCache, pkg: Pkg, ver: Ver, depth: number, markInstall: MarkInstall): void {
  const src = srcName(ver);
  const srcVer = srcVersion(ver);
  const picked: Pkg[] = [];
  for (const other of c.installedFromSource(src)) {
    if (other === pkg) continue;
    const cand = c.cand(other);
    if (!cand || cand === other.current) continue;
    if (c.isInstall(other) && c.inst(other) === cand) continue;
    if (srcName(cand) !== src || srcVersion(cand) !== srcVer) continue;
    picked.push(other);
  }
  picked.sort((a, b) => a.id - b.id || a.index - b.index);
  for (const other of picked) markInstall(c, other, false, depth + 1, false);
  for (const other of picked) markInstall(c, other, true, depth + 1, false);
}

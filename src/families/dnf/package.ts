/** One RPM package as a repository's primary.xml (or an `rpm -qa` listing) describes it. */
import { formatEvr } from './version.js';

export const DEP_KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'supplements'] as const;
export type DepKind = (typeof DEP_KINDS)[number];

export interface RpmPackage {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  /** `[epoch:]version-release`, epoch left out when 0 (as dnf prints it). */
  evr: string;
  /** Id of the repository it comes from; "@installed" for the base system. */
  repo: string;
  /** Package checksum from primary (what the lock records); undefined for installed packages. */
  sha256?: string;
  size?: number;
  /** `location href`, relative to the repository base URL. */
  location?: string;
  /** `rpm:sourcerpm`, e.g. bash-5.2.26-3.fc40.src.rpm: names the build for the build-system store. */
  sourcerpm?: string;
  /**
   * Dependencies as rpm writes them: `name`, `name OP evr` (OP one of = < <= > >=) or a rich
   * dependency `( … )`. Files that primary lists are in `files`, and provide themselves.
   */
  provides: string[];
  requires: string[];
  conflicts: string[];
  obsoletes: string[];
  recommends: string[];
  supplements: string[];
  files: string[];
}

export function nevra(p: Pick<RpmPackage, 'name' | 'evr' | 'arch'>): string {
  return `${p.name}-${p.evr}.${p.arch}`;
}

export function makeEvr(epoch: number, version: string, release: string): string {
  return formatEvr({ epoch, version, release });
}

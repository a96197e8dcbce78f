/**
 * The adapter every package family implements. Core hands a family the parsed spec, its distro
 * data and the shared fetcher; the family returns a Lockfile (which core writes canonically) and,
 * for install, the native commands to run on verified local files.
 */
import type { DistroData } from '../core/distros.js';
import type { Fetcher } from '../core/net/fetcher.js';
import type { Spec } from '../core/spec.js';
import type { Lockfile, LockedPackage } from '../core/lockfile/schema.js';

export type FamilyName = 'apt' | 'dnf' | 'apk' | 'pacman';

export interface LockContext {
  spec: Spec;
  distro: DistroData;
  /** The part of `distro:` after the colon (bookworm, 40, 3.20), if any. */
  release?: string;
  fetcher: Fetcher;
  /** Wall clock, injected so tests can pin it (validity windows). */
  now: Date;
  /** Progress lines for stderr (not the lock, not --json). */
  log: (line: string) => void;
}

export interface Family {
  readonly name: FamilyName;
  compareVersions(a: string, b: string): -1 | 0 | 1;
  lock(ctx: LockContext): Promise<Lockfile>;
  /** A stable upstream changelog URL for a locked package, where the distro has one (for diff). */
  changelogUrl?(p: LockedPackage, distro: DistroData): string | undefined;
  /**
   * Installs the locked packages with the native tool, offline, from verified local files; then
   * checks that the system holds exactly the locked versions (else ReproError 'INSTALL'). Absent
   * for families whose installer is not written yet (`repro-get install` says so).
   */
  install?(plan: InstallPlan): Promise<InstallReport>;
}

/** What `repro-get install` hands a family, once every artifact has verified against the lock. */
export interface InstallPlan {
  lock: Lockfile;
  /** Verified local file of every locked package; keys are the objects in `lock.packages`. Read only. */
  files: Map<LockedPackage, string>;
  /** Target root: '/' is this system; another folder is a system tree, installed into with chroot. */
  root: string;
  /** Work out and report the steps, change nothing. */
  dryRun: boolean;
  /** Progress lines for stderr. */
  log: (line: string) => void;
}

/** What an install did (or, with dryRun, would do). */
export interface InstallReport {
  /** Native install steps in order; each is a set of packages installed by one command. */
  steps: { name: string; version: string; arch: string }[][];
  /** Locked packages that were already installed at the locked version, left alone. */
  alreadyInstalled: { name: string; version: string; arch: string }[];
}

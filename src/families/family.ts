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
  /** Source id → digest of the signed root a previous lock used (lock --check re-resolves offline). */
  pinnedRoots?: Map<string, string>;
}

export interface VerifyContext {
  distro: DistroData;
  fetcher: Fetcher;
  /** Extra trusted keys (the lock does not record the spec's own keyrings). */
  keyrings: string[];
  now: Date;
}

export interface VerifyReport {
  /** Locked artifacts compared with the signed metadata. */
  checked: number;
  problems: { what: string; expected: string; actual: string; note?: string }[];
}

export interface Family {
  readonly name: FamilyName;
  compareVersions(a: string, b: string): -1 | 0 | 1;
  lock(ctx: LockContext): Promise<Lockfile>;
  /** A stable upstream changelog URL for a locked package, where the distro has one (for diff). */
  changelogUrl?(p: LockedPackage, distro: DistroData): string | undefined;
  /** Re-fetch the signed metadata at the lock's snapshot and compare every locked hash (verify). */
  verify?(lock: Lockfile, ctx: VerifyContext): Promise<VerifyReport>;
  /**
   * Installs the locked packages with the native tool, offline, from verified local files; then
   * checks that the system holds exactly the locked versions (else ReproError 'INSTALL'). Absent
   * for families whose installer is not written yet (`repro-get install` says so).
   */
  install?(plan: InstallPlan): Promise<InstallReport>;
  /** Dockerfile install lines for `repro-get dockerfile`; absent: the command says it is not supported. */
  dockerfile?: DockerfileHook;
}

/**
 * How a family installs locked artifacts inside a Dockerfile RUN step, with only the target image's
 * own tools (no Node.js, no repro-get, no resolver). The files are already present and sha256-checked
 * when these lines run; SOURCE_DATE_EPOCH is set. Every string is one POSIX sh command, joined with
 * `&&`; every value taken from the lock must be quoted (src/core/shell.ts) even though the lock was
 * validated. E.g. dnf: `rpm --install`, apk: `apk add --no-network`, pacman: `pacman -U` on the files.
 */
export interface DockerfileHook {
  /** Commands run first in the same RUN step, before any install (e.g. noting the time). */
  prepare?: string[];
  /** Commands installing every package of `lock` from `dir`, where each artifact is `dir/<basename of filename>`. */
  installFromDir(dir: string, lock: Lockfile): string[];
  /** Commands run last in the same RUN step: remove what the native tools leave behind (lists, caches, logs). */
  cleanup: string[];
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
  /** Extra trusted OpenPGP key files (`install --keyring`), for families that verify signatures at install. */
  keyrings?: string[];
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

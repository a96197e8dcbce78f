/**
 * What the solver works on, built once per lock: every package of every repository (in repository
 * order, then index order: that order is apk's last tie-break), the installed ones, and per name
 * its providers (the package of that name and every package listing it in `p:`) and whose `i:`
 * mentions it.
 */
import type { ApkChecksum, ApkPackageInfo } from '../apkindex.js';
import type { ApkDep } from '../dependency.js';

/** A package as the solver sees it: the index entry plus where it comes from and whether it is installed. */
export class ApkPackage {
  constructor(
    readonly info: ApkPackageInfo,
    /** Position in the universe (stable, index order). */
    readonly id: number,
    /** Index of the first repository holding it (apk prefers the lowest); -1: only installed. */
    public repo: number,
    /** Source id of that repository. */
    public source: string,
    public installed: boolean,
  ) {}

  get name(): string { return this.info.name; }
  get version(): string { return this.info.version; }
  get arch(): string | undefined { return this.info.arch; }
  get checksum(): ApkChecksum | undefined { return this.info.checksum; }
  get size(): number | undefined { return this.info.size; }
  get providerPriority(): number { return this.info.providerPriority; }
  get provides(): ApkDep[] { return this.info.provides; }
  /** Parsed on first use (see ApkPackageInfo). */
  get depends(): ApkDep[] { return this.info.depends; }
  get installIf(): ApkDep[] { return this.info.installIf; }
}

export interface Provider {
  pkg: ApkPackage;
  /** The version it provides the name at; null for an unversioned provide (`p:/bin/sh`). */
  version: string | null;
}

export interface Name {
  id: number;
  name: string;
  providers: Provider[];
  /** Names of packages whose install_if mentions this name (undefined: none, the common case). */
  rinstallIf?: Name[];
}

export class Universe {
  readonly names = new Map<string, Name>();
  readonly packages: ApkPackage[] = [];

  name(n: string): Name {
    let v = this.names.get(n);
    if (!v) {
      v = { id: this.names.size, name: n, providers: [], rinstallIf: undefined };
      this.names.set(n, v);
    }
    return v;
  }

  /**
   * Adds a package unless the same one (same name, version and checksum: apk's identity) is
   * there already, in which case that one is returned (a package in two repositories, or the
   * installed copy of an available one).
   */
  add(info: ApkPackageInfo, repo: number, source: string, installed = false): ApkPackage {
    const same = this.names.get(info.name)?.providers.find(
      (p) => p.pkg.name === info.name && p.pkg.version === info.version && (!info.checksum || !p.pkg.checksum || p.pkg.checksum.raw === info.checksum.raw),
    );
    if (same) {
      if (installed) same.pkg.installed = true;
      if (same.pkg.repo < 0 && repo >= 0) {
        // The installed copy of an available package: downloadable from that repository.
        same.pkg.repo = repo;
        same.pkg.source = source;
      }
      return same.pkg;
    }
    const pkg = new ApkPackage(info, this.packages.length, repo, source, installed);
    this.packages.push(pkg);
    this.name(pkg.name).providers.push({ pkg, version: pkg.version });
    for (const p of pkg.provides) {
      if (p.name !== pkg.name) this.name(p.name).providers.push({ pkg, version: p.version ?? null });
    }
    // Reverse dependency edges are built by the solver for what it discovers; install_if edges
    // are needed for discovery itself, and few packages have them.
    if (pkg.installIf.length) {
      const self = this.name(pkg.name);
      for (const d of pkg.installIf) addOnce((this.name(d.name).rinstallIf ??= []), self);
    }
    return pkg;
  }
}

function addOnce(list: Name[], n: Name): void {
  // Only the first occurrence matters to the solver (marking a name for another look is
  // idempotent), so skipping the common repeat (versions of one name in a row) is enough.
  if (list[list.length - 1] !== n) list.push(n);
}

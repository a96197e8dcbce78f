/**
 * The universe apt resolves in: packages (a name for one architecture), their versions, who provides
 * what, the candidate policy (note rule 1), what satisfies a relation (rule 2), flags (rule 3) and
 * package IDs (rule 4). Built once per (available, installed, options) and cached: the live tests
 * resolve dozens of sets over the same 63,000-stanza index.
 */
import type { AptPackage, MultiArch } from '../packages.js';
import { forEachProvidedName, hasProvides } from '../packages.js';
import { listIdsFor, visitNames, type ListIds } from './list-ids.js';
import type { Relation, RelOp } from '../relation.js';
import { versionSatisfies } from '../relation.js';
import { compareDebVersions } from '../version.js';

export type DepType = 'PreDepends' | 'Depends' | 'Conflicts' | 'Breaks' | 'Recommends';

/** A pin, as in apt_preferences(5): by package (name, glob or `*`) and version glob and/or source. */
export interface AptPin {
  package: string;
  version?: string;
  /** A repository id (AptPackage.source): `Pin: release n=<suite>` in the oracle tests. */
  source?: string;
  priority: number;
}

/** apt's Priority numbering: lower is more important; 0 when the field is missing. */
const PRIORITY_RANK: Record<string, number> = { required: 1, important: 2, standard: 3, optional: 4, extra: 5 };

const NONE: readonly never[] = Object.freeze([]);

export class Pkg {
  /** Highest version first. (Shared empty until the first one: most of 100,000 names have none.) */
  versions: readonly Ver[] = NONE;
  /** Set until `provides` is first read: the universe fills the list then. */
  loadProvides: ((pkg: Pkg) => readonly Prv[]) | undefined;
  private prv: readonly Prv[] = NONE;
  /** Who provides this name, in apt's ProvidesList order: the last registered first. */
  get provides(): readonly Prv[] {
    if (this.loadProvides) {
      const load = this.loadProvides;
      this.loadProvides = undefined;
      this.prv = load(this);
    }
    return this.prv;
  }
  current: Ver | undefined;
  essential = false;
  important = false;
  /** The policy candidate (rule 1), before any resolution. */
  candidate: Ver | undefined;
  /** apt's package ID (rule 4); set by Universe.assignIds. */
  id = -1;
  constructor(
    readonly index: number,
    readonly key: string,
    readonly name: string,
    /** An architecture, or `any` for the `name:any` pseudo package. */
    readonly arch: string,
  ) {}
}

export class Ver {
  /** Repository ids whose index carries this version (`installed` for the status file). */
  readonly sources: string[] = [];
  downloadable = false;
  /** Pin priority. */
  pin = 0;
  /** The caller's installed stanza for this version, when it is installed. */
  installedP: AptPackage | undefined;
  readonly priorityRank: number;
  deps: Dep[] | undefined;
  constructor(
    readonly id: number,
    readonly pkg: Pkg,
    /** The first stanza seen for this version: what ends up in the lock. */
    readonly p: AptPackage,
  ) {
    const pr = p.priority?.toLowerCase();
    this.priorityRank = pr === undefined ? 0 : (PRIORITY_RANK[pr] ?? 5);
  }
  get version(): string {
    return this.p.version;
  }
  get multiArch(): MultiArch {
    return this.p.multiArch;
  }
}

export interface Prv {
  ver: Ver;
  /** The provided version, for versioned relations; undefined for an unversioned Provides. */
  version: string | undefined;
  /** Added by apt for Multi-Arch (`name:any`, other architectures), not written in the stanza. */
  implicit: boolean;
}

export interface Dep {
  parent: Ver;
  type: DepType;
  rel: Relation;
  target: Pkg;
  /** True when the next Dep is another alternative of the same or-group. */
  orNext: boolean;
}

export function isNegative(d: Dep): boolean {
  return d.type === 'Conflicts' || d.type === 'Breaks';
}

export function isCritical(d: Dep): boolean {
  return d.type !== 'Recommends';
}

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}

/** apt_preferences(5) pins, ready to match: generic `*` source pins and package-specific ones. */
interface PinRules {
  generic: AptPin[];
  specific: { pin: AptPin; name: RegExp; version: RegExp | undefined }[];
}

function pinRules(pins: AptPin[]): PinRules {
  return {
    generic: pins.filter((p) => p.package === '*' && p.version === undefined),
    specific: pins
      .filter((p) => !(p.package === '*' && p.version === undefined))
      .map((p) => ({ pin: p, name: globToRegExp(p.package), version: p.version === undefined ? undefined : globToRegExp(p.version) })),
  };
}

/** A version's pin priority: a package-specific pin decides alone (the first that matches); otherwise its best source. */
function pinOf(r: PinRules, pkg: Pkg, v: Ver): number {
  const s = r.specific.length ? r.specific.find((x) => x.name.test(pkg.name) && (!x.version || x.version.test(v.version)) && (x.pin.source === undefined || v.sources.includes(x.pin.source))) : undefined;
  if (s) return s.pin.priority;
  // Without a source pin, lists are 500 and the status file 100.
  if (r.generic.length === 0) return v.downloadable ? 500 : 100;
  return Math.max(...v.sources.map((source) => (source === 'installed' ? 100 : (r.generic.find((g) => g.source === source)?.priority ?? 500))));
}

export interface UniverseOptions {
  nativeArch: string;
  foreignArchs: string[];
  pins: AptPin[];
}

/**
 * Built lazily: the constructor only indexes which stanzas carry each name and which provide it
 * (a walk over the names, no objects per stanza); a package, its versions and its providers are
 * made the first time the resolver asks for that name. A lock of 20 packages touches a few
 * thousand of the ~100,000 names, and the result is the same as building every one up front: each
 * package is made from all of its stanzas at once, in the order apt reads them.
 */
export class Universe {
  /** Packages made so far, in the order they were made. */
  readonly pkgs: Pkg[] = [];
  private readonly byKey = new Map<string, Pkg>();
  private versionCount = 0;
  readonly native: string;
  readonly archs: string[];
  /** available ++ installed: the stanza numbering of the two indexes below. */
  private readonly all: readonly AptPackage[];
  /** Own key → its stanzas, in reading order (lists, then the status file). */
  private readonly stanzasOf = new Map<string, number[]>();
  /** Key → the stanzas that provide it (explicitly or by Multi-Arch), in registration order, each once. */
  private readonly providersOf = new Map<string, number[]>();
  private readonly pinRules: PinRules;

  constructor(
    readonly available: readonly AptPackage[],
    readonly installed: readonly AptPackage[],
    opts: UniverseOptions,
  ) {
    this.native = opts.nativeArch;
    this.archs = [opts.nativeArch, ...opts.foreignArchs.filter((a) => a !== opts.nativeArch)];
    this.pinRules = pinRules(opts.pins);
    this.all = installed.length ? [...available, ...installed] : available;
    const index = (key: string, i: number) => {
      const list = this.providersOf.get(key);
      if (!list) this.providersOf.set(key, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    };
    for (let i = 0; i < this.all.length; i++) {
      const p = this.all[i];
      const arch = this.archOf(p);
      if (arch !== this.native && !this.archs.includes(arch)) continue;
      const key = this.keyFor(p.name, arch);
      const list = this.stanzasOf.get(key);
      if (list) list.push(i);
      else this.stanzasOf.set(key, [i]);
      // Provides are registered per new version in reading order; a stanza that turns out to
      // repeat an earlier version is skipped when the list is made (providesOf).
      if (p.multiArch === 'allowed' || p.multiArch === 'foreign' || hasProvides(p)) this.eachProvide(p, undefined, (k) => index(k, i));
    }
    // The status file's packages are made now, in the order the lists first name them (as if every
    // package were made up front): DepCache reads them from `pkgs`.
    const installedKeys = new Set<string>();
    for (const p of installed) if (this.archs.includes(this.archOf(p))) installedKeys.add(this.ownKey(p));
    for (const key of [...installedKeys].sort((a, b) => this.stanzasOf.get(a)![0] - this.stanzasOf.get(b)![0])) this.get(key);
  }

  /** The architecture a stanza's package lives under: `all` is native (apt does the same). */
  archOf(p: AptPackage): string {
    return p.arch === 'all' ? this.native : p.arch;
  }

  keyFor(name: string, arch: string): string {
    return arch === this.native ? name : `${name}:${arch}`;
  }

  ownKey(p: AptPackage): string {
    return this.keyFor(p.name, this.archOf(p));
  }

  /** The package a relation written in a stanza of architecture `arch` points at. */
  targetKey(name: string, archQual: string | undefined, arch: string): string {
    if (archQual === undefined) return this.keyFor(name, arch);
    if (archQual === 'any') return `${name}:any`;
    if (archQual === 'native') return name;
    return this.keyFor(name, archQual);
  }

  /** The package for `key` if any stanza names or provides it (or it was made already). */
  find(key: string): Pkg | undefined {
    return this.byKey.get(key) ?? (this.stanzasOf.has(key) || this.providersOf.has(key) ? this.get(key) : undefined);
  }

  /** The package for `key`, made on first use; empty when nothing names or provides it (a dependency target). */
  get(key: string): Pkg {
    let pkg = this.byKey.get(key);
    if (!pkg) {
      const colon = key.indexOf(':');
      pkg = new Pkg(this.pkgs.length, key, colon < 0 ? key : key.slice(0, colon), colon < 0 ? this.native : key.slice(colon + 1));
      this.pkgs.push(pkg);
      this.byKey.set(key, pkg);
      this.fill(pkg);
      if (this.ids) pkg.id = this.idOf(key) ?? this.nextId++;
    }
    return pkg;
  }

  /** A new package's versions (all its stanzas), flags, installed version, pins and candidate. */
  private fill(pkg: Pkg): void {
    for (const i of this.stanzasOf.get(pkg.key) ?? NONE) {
      const p = this.all[i];
      const source = i < this.available.length ? p.source : 'installed';
      if (p.essential) pkg.essential = true;
      if (p.important || p.protected) pkg.important = true;
      // The same version from several files is one version with several sources (apt merges them).
      let v = pkg.versions.find((x) => compareDebVersions(x.version, p.version) === 0);
      if (!v) {
        v = new Ver(this.versionCount++, pkg, p);
        pkg.versions = [...pkg.versions, v];
      }
      if (!v.sources.includes(source)) v.sources.push(source);
      if (source !== 'installed') v.downloadable = true;
      else {
        v.installedP = p;
        pkg.current = v;
      }
    }
    if (pkg.versions.length > 1) (pkg.versions as Ver[]).sort((a, b) => compareDebVersions(b.version, a.version));
    if (pkg.key === 'apt') pkg.essential = true;
    if (this.providersOf.has(pkg.key)) pkg.loadProvides = (x) => this.providesOf(x);
    for (const v of pkg.versions) v.pin = pinOf(this.pinRules, pkg, v);
    pkg.candidate = this.policyCandidate(pkg);
  }

  /**
   * The keys a stanza provides, in the order apt registers them: each Provides entry (also as
   * `name:any` when the stanza is Multi-Arch: allowed, and for the other architectures when
   * foreign), then its own name as `name:any` (allowed) or for the other architectures (foreign).
   * `entries`: the parsed Provides, or undefined to scan the names only (indexing needs no versions).
   */
  private eachProvide(p: AptPackage, entries: readonly Relation[] | undefined, cb: (key: string, version: string | undefined, implicit: boolean) => void): void {
    const arch = this.archOf(p);
    const one = (name: string, archQual: string | undefined, version: string | undefined) => {
      cb(this.targetKey(name, archQual, arch), version, false);
      if (p.multiArch === 'allowed' && archQual === undefined) cb(`${name}:any`, version, true);
      if (p.multiArch === 'foreign' && archQual === undefined) for (const a of this.archs) if (a !== arch) cb(this.keyFor(name, a), version, false);
    };
    if (entries) for (const r of entries) one(r.name, r.archQual, r.version);
    else forEachProvidedName(p, (name, archQual) => one(name, archQual, undefined));
    if (p.multiArch === 'allowed') cb(`${p.name}:any`, p.version, true);
    if (p.multiArch === 'foreign') for (const a of this.archs) if (a !== arch) cb(this.keyFor(p.name, a), p.version, true);
  }

  /** Who provides `pkg`: every new version's registrations of its key, the last registered first. */
  private providesOf(pkg: Pkg): readonly Prv[] {
    const out: Prv[] = [];
    for (const i of this.providersOf.get(pkg.key) ?? NONE) {
      const p = this.all[i];
      // The version this stanza made; a stanza repeating an earlier version registered nothing.
      const ver = this.get(this.ownKey(p)).versions.find((x) => x.p === p);
      if (!ver) continue;
      this.eachProvide(p, p.provides, (key, version, implicit) => {
        if (key === pkg.key) out.push({ ver, version, implicit });
      });
    }
    // apt prepends to its provides lists.
    return out.reverse();
  }

  /**
   * Rule 1: highest pin wins, ties to the higher version; never a version pinned at or below 0; never
   * below the installed version unless the pin is at least 1000.
   */
  private policyCandidate(pkg: Pkg): Ver | undefined {
    let best: Ver | undefined;
    for (const v of pkg.versions) {
      if (v.pin <= 0) continue;
      if (pkg.current && v.pin < 1000 && compareDebVersions(v.version, pkg.current.version) < 0) continue;
      if (best === undefined || v.pin > best.pin) best = v;
    }
    return best;
  }

  /** The dependencies of a version, in apt's order, with or-group links; built on first use. */
  deps(v: Ver, withRecommends: boolean): Dep[] {
    if (v.deps) return withRecommends ? v.deps : v.deps.filter((d) => d.type !== 'Recommends');
    const arch = this.archOf(v.p);
    const out: Dep[] = [];
    const add = (type: DepType, groups: Relation[][]) => {
      for (const g of groups) {
        g.forEach((rel, i) => out.push({ parent: v, type, rel, target: this.get(this.targetKey(rel.name, rel.archQual, arch)), orNext: i < g.length - 1 }));
      }
    };
    add('PreDepends', v.p.preDepends);
    add('Depends', v.p.depends);
    add('Conflicts', v.p.conflicts);
    add('Breaks', v.p.breaks);
    add('Recommends', v.p.recommends);
    v.deps = out;
    return withRecommends ? out : out.filter((d) => d.type !== 'Recommends');
  }

  /**
   * Rule 4: apt numbers a package the first time it meets its name while reading the lists top to
   * bottom (own name, relation names, provides, then `name:any` for Multi-Arch: allowed), then the
   * status file. Only the last tie-break uses it, so it is computed on first need.
   */
  assignIds(): void {
    if (this.ids) return;
    const base = listIdsFor(this.available, this.native);
    // The status file's new names go on top of the lists' (never a copy of their 100,000 entries).
    const extra = new Map<string, number>();
    visitNames(this.installed, this.native, (key) => {
      if (!base.has(key) && !extra.has(key)) extra.set(key, base.size + extra.size);
    });
    this.ids = base;
    this.extraIds = extra;
    this.nextId = base.size + extra.size;
    for (const pkg of this.pkgs) pkg.id = this.idOf(pkg.key) ?? this.nextId++;
  }

  private idOf(key: string): number | undefined {
    return this.ids!.get(key) ?? this.extraIds!.get(key);
  }

  private ids: ListIds | undefined;
  private extraIds: Map<string, number> | undefined;
  private nextId = 0;

  /** Whether apt has heard of this name at all (else "Unable to locate package"). */
  known(key: string): boolean {
    const pkg = this.find(key);
    if (pkg && (pkg.versions.length > 0 || pkg.provides.length > 0)) return true;
    this.assignIds();
    return this.idOf(key) !== undefined;
  }

  /** Every name with an installable version or a provider, for "did you mean" (makes them all). */
  *names(): Iterable<string> {
    // The order packages would have been made in up front: own names, then provided ones.
    const keys = new Set([...this.stanzasOf.keys(), ...this.providersOf.keys()]);
    for (const key of keys) {
      const pkg = this.get(key);
      if (pkg.versions.length > 0 || pkg.provides.length > 0) yield key;
    }
  }
}

/** The source package a version was built from (the `Source` field, else its own name). */
export function srcName(v: Ver): string {
  return v.p.srcName ?? v.pkg.name;
}

/** The source version it was built from (the version in `Source: name (version)`, else its own). */
export function srcVersion(v: Ver): string {
  return v.p.srcVersion ?? v.p.version;
}

/** Does version `v` satisfy the relation's version constraint? */
export function satisfiedBy(rel: Relation, v: Ver): boolean {
  return versionSatisfies(v.version, rel.op as RelOp | undefined, rel.version);
}

/** Does a Provides entry satisfy it? An unversioned Provides never satisfies a versioned relation. */
export function satisfiedByProvide(rel: Relation, prv: Prv): boolean {
  if (rel.op === undefined) return true;
  if (prv.version === undefined) return false;
  return versionSatisfies(prv.version, rel.op, rel.version);
}

/** Dependencies on one's own package (or its own Provides) never count as conflicts. */
export function ignorableTarget(d: Dep, target: Pkg): boolean {
  return isNegative(d) && target.name === d.parent.pkg.name && (target === d.parent.pkg || d.parent.multiArch === 'same');
}

export function ignorableProvider(d: Dep, prv: Prv): boolean {
  return isNegative(d) && prv.ver.pkg === d.parent.pkg;
}

/** Universes are cached per (available, installed) arrays and options. */
const cache = new WeakMap<readonly AptPackage[], WeakMap<readonly AptPackage[], Map<string, Universe>>>();

export function universeFor(available: readonly AptPackage[], installed: readonly AptPackage[], opts: UniverseOptions): Universe {
  let byInstalled = cache.get(available);
  if (!byInstalled) cache.set(available, (byInstalled = new WeakMap()));
  let byOpts = byInstalled.get(installed);
  if (!byOpts) byInstalled.set(installed, (byOpts = new Map()));
  const key = JSON.stringify(opts);
  let u = byOpts.get(key);
  if (!u) byOpts.set(key, (u = new Universe(available, installed, opts)));
  return u;
}

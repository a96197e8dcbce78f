/**
 * Every package the resolver may pick or must respect (repository packages of compatible
 * architectures, plus the installed base), indexed the way dnf looks things up: by name, by
 * provide (versioned or not), and by file path for the files primary.xml lists.
 */
import { parseDep, rangesOverlap, type Dep, type SimpleDep } from './dep.js';
import type { RpmPackage } from './package.js';

export class Universe {
  readonly byName = new Map<string, number[]>();
  /** Provide name → [package, index into its provides, package, index, …]. */
  private readonly provides = new Map<string, number[]>();
  private readonly files = new Map<string, number[]>();
  private readonly depCache = new Map<string, Dep>();
  private readonly whatCache = new Map<string, number[]>();

  constructor(readonly pkgs: RpmPackage[]) {
    pkgs.forEach((p, i) => {
      push(this.byName, p.name, i);
      p.provides.forEach((d, k) => {
        const sp = d.indexOf(' ');
        const name = sp < 0 ? d : d.slice(0, sp);
        const list = this.provides.get(name);
        if (list) list.push(i, k);
        else this.provides.set(name, [i, k]);
      });
      for (const f of p.files) push(this.files, f, i);
    });
  }

  isInstalled(i: number): boolean {
    return this.pkgs[i].repo === '@installed';
  }

  /** Parsed form of a dependency string, cached (the same strings recur across packages). */
  dep(s: string, what: string): Dep {
    let d = this.depCache.get(s);
    if (!d) this.depCache.set(s, (d = parseDep(s, what)));
    return d;
  }

  /** Packages that provide a simple dependency, in universe order. */
  whatProvides(d: SimpleDep): number[] {
    const key = d.op ? `${d.name} ${d.op} ${d.evr}` : d.name;
    let out = this.whatCache.get(key);
    if (out) return out;
    const set = new Set<number>();
    const list = this.provides.get(d.name) ?? [];
    for (let j = 0; j < list.length; j += 2) {
      const p = this.pkgs[list[j]];
      if (set.has(list[j])) continue;
      if (!d.op) {
        set.add(list[j]);
        continue;
      }
      const prov = p.provides[list[j + 1]].split(' ');
      if (rangesOverlap(prov[1] as SimpleDep['op'], prov[2], d.op, d.evr)) set.add(list[j]);
    }
    // A path is also provided by the packages whose (primary-listed) files hold it; files have no version.
    if (d.name.startsWith('/')) for (const i of this.files.get(d.name) ?? []) set.add(i);
    out = [...set].sort((a, b) => a - b);
    this.whatCache.set(key, out);
    return out;
  }

  /** Packages an Obsoletes entry applies to: matched on package name and EVR, never on provides (rpm). */
  obsoleted(d: SimpleDep): number[] {
    return (this.byName.get(d.name) ?? []).filter((i) => rangesOverlap('=', this.pkgs[i].evr, d.op, d.evr));
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

function push(m: Map<string, number[]>, k: string, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

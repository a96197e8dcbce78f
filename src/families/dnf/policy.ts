/**
 * Which candidate dnf takes when a rule leaves a choice: libsolv's policy_filter_unwanted in
 * POLICY_MODE_CHOOSE, step by step (libsolv src/policy.c):
 *
 * 1. highest repository priority (installed packages are never pruned);
 * 2. best architecture: the best color present, noarch kept alongside (x86_64 beats i686);
 * 3. best version per name (sorted by name, byte order), then drop candidates that another
 *    candidate of a different name obsoletes;
 * 4. prefer candidates that an already chosen package recommends or that supplement one;
 * 5. reorder: candidates that are not the newest of their name and arch go last
 *    (dislike_old_versions); candidates that provide a lower version of a provide they share go
 *    after those providing a higher one (sort_by_common_dep); candidates with an installed package
 *    of the same name go first.
 *
 * The first candidate left is installed. libsolv's prefer_suggested step is not reproduced
 * (primary's suggests/enhances are not kept); the README lists this.
 */
import type { ArchPolicy } from './arch.js';
import type { Universe } from './universe.js';
import { compareEvr, compareEvrTotal } from './version.js';

export interface PolicyInput {
  u: Universe;
  arch: ArchPolicy;
  /** dnf repository priority (lower number wins; default 99); repo order breaks ties between equal builds. */
  priority: (repo: string) => number;
  repoOrder: (repo: string) => number;
  /** Packages (universe indices) that an installed-or-chosen package obsoletes, per candidate. */
  obsoletes: (i: number) => number[];
  /** Whether a chosen package recommends candidate i, or i supplements chosen packages. */
  wanted: (i: number) => boolean;
}

const strcmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class Policy {
  /** Newest EVR per name.arch in the universe (dislike_old_versions). */
  private readonly newest = new Map<string, string>();

  constructor(private readonly in_: PolicyInput) {
    for (const p of in_.u.pkgs) {
      if (p.repo === '@installed') continue;
      const k = `${p.name}.${p.arch}`;
      const cur = this.newest.get(k);
      if (cur === undefined || compareEvrTotal(p.evr, cur) > 0) this.newest.set(k, p.evr);
    }
  }

  /**
   * Candidates (universe indices) ordered best first, pruned as libsolv prunes them. `job`: the
   * candidates of a request; mode `recommend` stops after the version step (POLICY_MODE_RECOMMEND).
   */
  order(cands: number[], opts: { job?: boolean; mode?: 'choose' | 'recommend' } = {}): number[] {
    const job = opts.job ?? false;
    const { u, arch } = this.in_;
    const pk = (i: number) => u.pkgs[i];
    let list = [...cands];
    // A request that an installed package already satisfies keeps it (libsolv: prune to installed).
    if (job && list.length > 1) {
      const inst = list.filter((i) => u.isInstalled(i));
      if (inst.length) list = inst;
    }
    if (list.length > 1) {
      const prio = (i: number) => (u.isInstalled(i) ? Infinity : this.in_.priority(pk(i).repo));
      const best = Math.min(...list.filter((i) => !u.isInstalled(i)).map(prio));
      list = list.filter((i) => u.isInstalled(i) || prio(i) === best);
    }
    if (list.length > 1) {
      const colors = list.map((i) => arch.score(pk(i).arch)).filter((s) => s > 0);
      if (colors.length) {
        const bestColor = Math.floor(Math.min(...colors) / 1000);
        list = list.filter((i) => arch.score(pk(i).arch) === 0 || Math.floor(arch.score(pk(i).arch) / 1000) === bestColor);
      }
    }
    if (list.length > 1) list = this.bestPerName(list);
    if (list.length > 1) {
      const obsoleted = new Set<number>();
      for (const i of list) for (const o of this.in_.obsoletes(i)) if (o !== i && pk(o).name !== pk(i).name && list.includes(o)) obsoleted.add(o);
      // Mutual obsoletes cancel out (libsolv keeps a whole obsoletes cycle).
      const left = list.filter((i) => !obsoleted.has(i) || this.in_.obsoletes(i).some((o) => obsoleted.has(o) && list.includes(o) && this.in_.obsoletes(o).includes(i)));
      if (left.length) list = left;
    }
    if (opts.mode === 'recommend') return list;
    if (list.length > 1) {
      const nInst = list.filter((i) => u.isInstalled(i)).length;
      if (list.length - nInst >= 2) {
        const rec = list.filter((i) => u.isInstalled(i) || this.in_.wanted(i));
        if (rec.length > nInst) list = rec;
      }
    }
    if (list.length > 1) {
      const old = (i: number) => !u.isInstalled(i) && this.newest.get(`${pk(i).name}.${pk(i).arch}`) !== pk(i).evr;
      list = [...list.filter((i) => !old(i)), ...list.filter(old)];
      list = this.sortByCommonDep(list);
      const hasInstalled = (i: number) => u.isInstalled(i) || (u.byName.get(pk(i).name) ?? []).some((j) => u.isInstalled(j));
      list = [...list.filter(hasInstalled), ...list.filter((i) => !hasInstalled(i))];
    }
    return list;
  }

  /**
   * libsolv's sort_by_common_dep: for every versioned provide (= or <) several candidates share,
   * a candidate providing a lower version than another gets a penalty per step down; candidates
   * are then ordered by total penalty, stably (so `java-headless = 17` beats `= 11`).
   */
  private sortByCommonDep(list: number[]): number[] {
    const { u } = this.in_;
    const entries: { k: number; name: string; evr: string; lt: boolean }[] = [];
    list.forEach((i, k) => {
      for (const d of u.pkgs[i].provides) {
        const [name, op, evr] = d.split(' ');
        if (op !== '=' && op !== '<' && op !== '<=') continue;
        if (op === '=' && evr.length >= 4 && /^[0-9a-f]+$/.test(evr)) continue; // hashes say nothing
        entries.push({ k, name, evr, lt: op === '<' });
      }
    });
    const cmp = (a: (typeof entries)[0], b: (typeof entries)[0]) => {
      if (a.name !== b.name) return strcmp(a.name, b.name);
      if (a.evr === b.evr && a.lt === b.lt) return 0;
      const r = compareEvr(b.evr, a.evr);
      if (r === 0 && (a.lt || b.lt)) return a.lt ? 1 : -1;
      return r;
    };
    entries.sort(cmp);
    const bad = new Array<number>(list.length).fill(0);
    let penalty = 0;
    let any = false;
    for (let e = 0; e < entries.length; e++) {
      const prev = entries[e - 1];
      if (e > 0 && prev.name === entries[e].name) {
        if (prev.k !== entries[e].k && cmp(prev, entries[e]) === -1) (penalty++, (any = true));
      } else penalty = 0;
      bad[entries[e].k] += penalty;
    }
    if (!any) return list;
    list.forEach((i, k) => u.isInstalled(i) && (bad[k] = 0));
    return list.map((i, k) => ({ i, k })).sort((a, b) => bad[a.k] - bad[b.k] || a.k - b.k).map((x) => x.i);
  }

  /** One candidate per name: the highest EVR (ties: installed, better arch, earlier repo); by name. */
  private bestPerName(list: number[]): number[] {
    const { u, arch } = this.in_;
    const pk = (i: number) => u.pkgs[i];
    const sorted = [...list].sort((a, b) => {
      const x = pk(a);
      const y = pk(b);
      if (x.name !== y.name) return strcmp(x.name, y.name);
      const sa = arch.score(x.arch);
      const sb = arch.score(y.arch);
      if (sa !== sb && sa > 0 && sb > 0) return sa - sb;
      if (u.isInstalled(a) !== u.isInstalled(b)) return u.isInstalled(a) ? -1 : 1;
      return this.in_.repoOrder(x.repo) - this.in_.repoOrder(y.repo) || a - b;
    });
    const out: number[] = [];
    let best = -1;
    for (const i of sorted) {
      if (best >= 0 && pk(best).name !== pk(i).name) {
        out.push(best);
        best = -1;
      }
      if (best < 0 || compareEvrTotal(pk(best).evr, pk(i).evr) < 0) best = i;
    }
    if (best >= 0) out.push(best);
    return out;
  }
}

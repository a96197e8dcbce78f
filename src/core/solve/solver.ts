/**
 * A small CDCL search over boolean variables (one per candidate package), driven the way libsolv
 * drives its own: decisions are taken only to satisfy a rule that asks for one, in rule order, tier
 * by tier, with the caller's policy ordering the candidates; whatever no rule asks for stays
 * uninstalled. Conflicts are analysed (first UIP), a clause is learned and the search backjumps, so
 * a bad early choice costs one conflict, not an exponential walk. Knows nothing of any distro.
 *
 * See README.md in this folder for the model, the API and the limits.
 */
import { ReproError } from '../errors.js';

/** +v: variable v is true (package installed); -v: false. Variables are 1..nvars. */
export type Lit = number;

export interface Rule {
  /** A clause: at least one literal must be true. */
  lits: Lit[];
  /**
   * Weak rules (recommendations, "keep this installed package") are never enforced: the search
   * tries to satisfy them by a decision, and gives up when that decision leads to a conflict.
   */
  weak?: boolean;
  /** Lower tiers are worked on first (e.g. 0 requests, 1 kept packages, 2 dependencies, 3 weak). */
  tier: number;
}

export interface Problem {
  nvars: number;
  rules: Rule[];
  /**
   * Orders the undecided candidates (variables) a rule can be satisfied with, best first; may drop
   * candidates it does not want this rule to pick (for a weak rule, dropping them all leaves the
   * rule unsatisfied; a hard rule then takes its first candidate). Called only when a decision is
   * needed. Default: as listed in the rule.
   */
  choose?(candidates: number[], rule: number, value: (v: number) => boolean | undefined): number[];
  /** Give up (ReproError LIMIT) after this many conflicts; default 20,000. */
  maxConflicts?: number;
}

export type Solution =
  | { ok: true; installed: number[]; stats: Stats }
  | {
      ok: false;
      /** Indices of the input rules that together cannot hold (a reason, not always a minimal one). */
      core: number[];
      stats: Stats;
    };

export interface Stats {
  decisions: number;
  conflicts: number;
  propagations: number;
  learned: number;
}

interface Clause {
  lits: Lit[];
  /** Index in Problem.rules, or -1 for a learned clause. */
  rule: number;
  /** For learned clauses: the clauses it was derived from (for the unsatisfiable core). */
  from?: number[];
}

export function solve(problem: Problem): Solution {
  return new Search(problem).run();
}

class Search {
  private readonly n: number;
  /** 1 true, -1 false, 0 unassigned. */
  private readonly val: Int8Array;
  private readonly level: Int32Array;
  /** Clause that implied the variable, -1 for decisions (and unassigned). */
  private readonly reason: Int32Array;
  private readonly trail: number[] = [];
  /** trail length at the start of each decision level. */
  private readonly levelStart: number[] = [];
  private qhead = 0;
  private readonly clauses: Clause[] = [];
  /** Watch lists by literal index (2v for +v, 2v+1 for -v). */
  private readonly watches: number[][];
  private readonly weakOrder: number[][] = [];
  private readonly cursor: number[] = [];
  private readonly tiers: number[];
  private readonly stats: Stats = { decisions: 0, conflicts: 0, propagations: 0, learned: 0 };
  private readonly seen: Uint8Array;

  constructor(private readonly p: Problem) {
    this.n = p.nvars;
    this.val = new Int8Array(this.n + 1);
    this.level = new Int32Array(this.n + 1);
    this.reason = new Int32Array(this.n + 1).fill(-1);
    this.seen = new Uint8Array(this.n + 1);
    this.watches = Array.from({ length: 2 * this.n + 2 }, () => []);
    const tiers = new Set<number>();
    for (const r of p.rules) tiers.add(r.tier);
    this.tiers = [...tiers].sort((a, b) => a - b);
    for (let t = 0; t < this.tiers.length; t++) (this.weakOrder[t] = []), (this.cursor[t] = 0);
  }

  run(): Solution {
    const p = this.p;
    // Hard rules become clauses; units are assigned at level 0.
    for (let i = 0; i < p.rules.length; i++) {
      const r = p.rules[i];
      for (const l of r.lits) if (l === 0 || Math.abs(l) > this.n) throw new Error(`solve: rule ${i} has literal ${l} outside 1..${this.n}`);
      this.weakOrder[this.tiers.indexOf(r.tier)].push(i);
      if (r.weak) continue;
      const lits = [...new Set(r.lits)];
      if (lits.some((l) => lits.includes(-l))) continue; // always true
      if (lits.length === 0) return this.unsat([i]);
      const c = this.clauses.push({ lits, rule: i }) - 1;
      if (lits.length === 1) {
        const v = this.litValue(lits[0]);
        if (v === false) return this.unsat(this.explainLevel0([c, this.reason[Math.abs(lits[0])]]));
        if (v === undefined) this.assign(lits[0], c);
      } else {
        this.watch(lits[0], c);
        this.watch(lits[1], c);
      }
    }
    const maxConflicts = p.maxConflicts ?? 20_000;
    for (;;) {
      const conflict = this.propagate();
      if (conflict >= 0) {
        this.stats.conflicts++;
        if (this.levelStart.length === 0) return this.unsat(this.explainLevel0([conflict]));
        if (this.stats.conflicts > maxConflicts) {
          throw new ReproError('LIMIT', `dependency resolution gave up after ${maxConflicts} conflicts (the request is too intricate to settle).`, {
            hint: 'Pin some of the packages involved to versions (name=version) to narrow the search.',
          });
        }
        this.learn(conflict);
        this.cursor.fill(0); // after a backjump, earlier tiers may need work again
        continue;
      }
      const d = this.nextDecision();
      if (d === 0) break;
      this.stats.decisions++;
      this.levelStart.push(this.trail.length);
      this.assign(d, -1);
    }
    // Nothing asks for the undecided variables: they stay false (not installed). Every hard rule
    // holds then, since an unsatisfied one would still be pending; checked, as a guard.
    for (const c of this.clauses) {
      if (!c.lits.some((l) => (l > 0 ? this.val[l] === 1 : this.val[-l] !== 1))) throw new Error(`solve: internal error, rule ${c.rule} left unsatisfied`);
    }
    const installed: number[] = [];
    for (let v = 1; v <= this.n; v++) if (this.val[v] === 1) installed.push(v);
    return { ok: true, installed, stats: this.stats };
  }

  // --- assignment and propagation ------------------------------------------------------------

  private litValue(l: Lit): boolean | undefined {
    const v = this.val[l > 0 ? l : -l];
    return v === 0 ? undefined : l > 0 ? v === 1 : v === -1;
  }

  private value = (v: number): boolean | undefined => (this.val[v] === 0 ? undefined : this.val[v] === 1);

  private assign(l: Lit, reason: number): void {
    const v = l > 0 ? l : -l;
    this.val[v] = l > 0 ? 1 : -1;
    this.level[v] = this.levelStart.length;
    this.reason[v] = reason;
    this.trail.push(l);
  }

  private watch(l: Lit, c: number): void {
    this.watches[l > 0 ? 2 * l : -2 * l + 1].push(c);
  }

  /** Unit propagation; returns a conflicting clause, or -1. */
  private propagate(): number {
    while (this.qhead < this.trail.length) {
      const l = this.trail[this.qhead++];
      this.stats.propagations++;
      // Clauses watching -l (now false) must find another watch or become unit.
      const falseLit = -l;
      const wl = this.watches[falseLit > 0 ? 2 * falseLit : -2 * falseLit + 1];
      let j = 0;
      for (let i = 0; i < wl.length; i++) {
        const ci = wl[i];
        const lits = this.clauses[ci].lits;
        if (lits[0] === falseLit) (lits[0] = lits[1]), (lits[1] = falseLit);
        if (this.litValue(lits[0]) === true) {
          wl[j++] = ci;
          continue;
        }
        let moved = false;
        for (let k = 2; k < lits.length; k++) {
          if (this.litValue(lits[k]) !== false) {
            lits[1] = lits[k];
            lits[k] = falseLit;
            this.watch(lits[1], ci);
            moved = true;
            break;
          }
        }
        if (moved) continue;
        wl[j++] = ci;
        if (this.litValue(lits[0]) === false) {
          for (i++; i < wl.length; i++) wl[j++] = wl[i];
          wl.length = j;
          this.qhead = this.trail.length;
          return ci;
        }
        this.assign(lits[0], ci);
      }
      wl.length = j;
    }
    return -1;
  }

  // --- conflicts -------------------------------------------------------------------------------

  /** First-UIP learning, backjump, assert the learned clause. */
  private learn(conflict: number): void {
    const cur = this.levelStart.length;
    const learned: Lit[] = [];
    const from: number[] = [conflict];
    let pathCount = 0;
    let p = 0;
    let idx = this.trail.length - 1;
    let clause = conflict;
    const touched: number[] = [];
    for (;;) {
      for (const q of this.clauses[clause].lits) {
        const v = Math.abs(q);
        if (v === p || this.seen[v]) continue;
        if (this.level[v] === 0) {
          from.push(this.reason[v]); // level-0 facts stay out of the clause but are part of its proof
          continue;
        }
        this.seen[v] = 1;
        touched.push(v);
        if (this.level[v] === cur) pathCount++;
        else learned.push(q);
      }
      while (!this.seen[Math.abs(this.trail[idx])]) idx--;
      const l = this.trail[idx--];
      p = Math.abs(l);
      pathCount--;
      if (pathCount === 0) {
        learned.unshift(-l);
        break;
      }
      clause = this.reason[p];
      from.push(clause);
    }
    for (const v of touched) this.seen[v] = 0;
    // Backjump to the second-highest level in the clause.
    let back = 0;
    let at = 1;
    for (let i = 1; i < learned.length; i++) {
      const lv = this.level[Math.abs(learned[i])];
      if (lv > back) (back = lv), (at = i);
    }
    if (learned.length > 1) [learned[1], learned[at]] = [learned[at], learned[1]];
    this.backtrack(back);
    const c = this.clauses.push({ lits: learned, rule: -1, from: from.filter((x) => x >= 0) }) - 1;
    this.stats.learned++;
    if (learned.length > 1) {
      this.watch(learned[0], c);
      this.watch(learned[1], c);
    }
    this.assign(learned[0], c);
  }

  private backtrack(level: number): void {
    if (level >= this.levelStart.length) return;
    const start = this.levelStart[level];
    for (let i = this.trail.length - 1; i >= start; i--) {
      const v = Math.abs(this.trail[i]);
      this.val[v] = 0;
      this.reason[v] = -1;
    }
    this.trail.length = start;
    this.levelStart.length = level;
    this.qhead = start;
  }

  /** Clauses (transitively) behind level-0 facts used by `start`, mapped back to input rules. */
  private explainLevel0(start: number[]): number[] {
    const stack = start.filter((c) => c >= 0);
    const seen = new Set<number>();
    const rules = new Set<number>();
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      const cl = this.clauses[c];
      if (cl.rule >= 0) rules.add(cl.rule);
      for (const f of cl.from ?? []) stack.push(f);
      for (const l of cl.lits) {
        const r = this.reason[Math.abs(l)];
        if (r >= 0 && this.level[Math.abs(l)] === 0) stack.push(r);
      }
    }
    return [...rules].sort((a, b) => a - b);
  }

  private unsat(core: number[]): Solution {
    return { ok: false, core, stats: this.stats };
  }

  // --- decisions -------------------------------------------------------------------------------

  /**
   * The next literal to decide: the best candidate of the first rule (lowest tier, round robin
   * from where the last decision was found) whose conditions hold (its negative literals are all
   * false) and which no true literal satisfies yet. 0 when no rule asks for anything.
   */
  private nextDecision(): Lit {
    for (let t = 0; t < this.tiers.length; t++) {
      const order = this.weakOrder[t];
      const n = order.length;
      const start = this.cursor[t];
      for (let k = 0; k < n; k++) {
        const pos = (start + k) % n;
        const ri = order[pos];
        const cands = this.pending(this.p.rules[ri]);
        if (!cands) continue;
        this.cursor[t] = pos;
        const chosen = this.p.choose ? this.p.choose(cands, ri, this.value) : cands;
        const pick = chosen.find((v) => this.val[v] === 0);
        if (pick !== undefined) return pick;
        // The policy wants none of them: a weak rule is then left alone, a hard one cannot be.
        if (!this.p.rules[ri].weak) return cands[0];
      }
      this.cursor[t] = 0;
    }
    return 0;
  }

  /** The undecided positive candidates of an active, unsatisfied rule; undefined otherwise. */
  private pending(r: Rule): number[] | undefined {
    let cands: number[] | undefined;
    for (const l of r.lits) {
      const v = l > 0 ? l : -l;
      const x = this.val[v];
      if (l < 0) {
        if (x !== 1) return undefined; // condition not (yet) met, or rule satisfied
      } else if (x === 1) return undefined;
      else if (x === 0) (cands ??= []).push(v);
    }
    return cands;
  }
}

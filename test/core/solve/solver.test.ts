import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { anyOf, evaluate, toCnf, type Formula } from '../../../src/core/solve/cnf.js';
import { solve, type Rule } from '../../../src/core/solve/solver.js';

const hard = (tier: number, ...lits: number[]): Rule => ({ lits, tier });
const weak = (tier: number, ...lits: number[]): Rule => ({ lits, tier, weak: true });

function satisfies(rules: Rule[], installed: number[]): boolean {
  const on = new Set(installed);
  return rules.every((r) => r.weak || r.lits.some((l) => (l > 0 ? on.has(l) : !on.has(-l))));
}

function bruteForce(n: number, rules: Rule[]): boolean {
  for (let m = 0; m < 1 << n; m++) {
    const on: number[] = [];
    for (let v = 1; v <= n; v++) if (m & (1 << (v - 1))) on.push(v);
    if (satisfies(rules, on)) return true;
  }
  return false;
}

/** Pigeonhole: p pigeons in h holes, each pigeon somewhere, no hole shared. Unsatisfiable when p > h. */
function pigeonhole(p: number, h: number): { nvars: number; rules: Rule[] } {
  const v = (i: number, j: number) => i * h + j + 1;
  const rules: Rule[] = [];
  for (let i = 0; i < p; i++) rules.push(hard(0, ...Array.from({ length: h }, (_, j) => v(i, j))));
  for (let j = 0; j < h; j++) for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) rules.push(hard(1, -v(a, j), -v(b, j)));
  return { nvars: p * h, rules };
}

describe('solve', () => {
  it('agrees with brute force on random problems, and its solutions hold every hard rule', () => {
    const n = 7;
    const litArb = fc.integer({ min: 1, max: n }).chain((v) => fc.constantFrom(v, -v));
    const ruleArb = fc.record({ lits: fc.array(litArb, { minLength: 1, maxLength: 4 }), tier: fc.integer({ min: 0, max: 2 }), weak: fc.boolean() });
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 25 }), (rules) => {
        const res = solve({ nvars: n, rules });
        const expected = bruteForce(n, rules);
        if (!res.ok) {
          // The core alone is unsatisfiable too.
          return !expected && res.core.length > 0 && !bruteForce(n, res.core.map((i) => rules[i]));
        }
        return expected && satisfies(rules, res.installed);
      }),
      { numRuns: 3000 },
    );
  });

  it('decides only what a rule asks for, in tier order, with the policy picking among candidates', () => {
    // 1 is requested (1 or 2), policy prefers 2; 2 requires 3 or 4; nothing asks for 5.
    const rules = [hard(0, 1, 2), hard(2, -2, 3, 4), hard(2, -1, 5)];
    const prefer = (order: number[]) => (c: number[]) => [...c].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    expect(solve({ nvars: 5, rules, choose: prefer([2, 4, 3, 1]) })).toMatchObject({ ok: true, installed: [2, 4] });
    expect(solve({ nvars: 5, rules })).toMatchObject({ ok: true, installed: [1, 5] });
  });

  it('backs out of a choice that conflicts later (learning), keeping the policy where it can', () => {
    // Request 1; it needs 2 or 3 (policy: 2 first), but 2 needs both 4 and 5, which conflict.
    const rules = [hard(0, 1), hard(2, -1, 2, 3), hard(2, -2, 4), hard(2, -2, 5), hard(2, -4, -5)];
    const res = solve({ nvars: 5, rules, choose: (c) => [...c].sort((a, b) => a - b) });
    expect(res).toMatchObject({ ok: true, installed: [1, 3] });
    expect(res.stats.conflicts).toBeGreaterThan(0);
  });

  it('satisfies weak rules when it can and drops them when they conflict', () => {
    // 1 requested; weakly wants 2 (fine) and 3 (conflicts with 1); keep 4 unless something removes it.
    const rules = [hard(0, 1), weak(1, 4), weak(3, -1, 2), weak(3, -1, 3), hard(2, -3, -1)];
    expect(solve({ nvars: 4, rules })).toMatchObject({ ok: true, installed: [1, 2, 4] });
    // A hard rule beats a weak "keep": 1 conflicts with 4, so 4 goes.
    expect(solve({ nvars: 4, rules: [hard(0, 1), weak(1, 4), hard(2, -1, -4)] })).toMatchObject({ ok: true, installed: [1] });
  });

  it('keeps scanning after the policy refuses a weak rule (each pending rule gets its turn)', () => {
    // 1 requested; weak rules ask for 2, 5 (both refused by the policy) and then 3.
    const rules = [hard(0, 1), weak(3, -1, 2), weak(3, -1, 5), weak(3, -1, 3)];
    const res = solve({ nvars: 5, rules, choose: (c, r) => (r === 1 || r === 2 ? [] : c) });
    expect(res).toMatchObject({ ok: true, installed: [1, 3] });
  });

  it('reports the rules behind an impossibility', () => {
    const rules = [hard(0, 1), hard(2, -1, 2), hard(2, -2, 3), hard(2, -3, -1), hard(2, 5, 6)];
    const res = solve({ nvars: 6, rules });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.core).toEqual([0, 1, 2, 3]);
    expect(solve({ nvars: 2, rules: [hard(0)] })).toMatchObject({ ok: false, core: [0] });
  });

  it('solves pigeonhole instances it can and stops with LIMIT instead of running away', () => {
    const ok = pigeonhole(6, 6);
    expect(solve(ok).ok).toBe(true);
    const bad = pigeonhole(6, 5);
    expect(solve(bad).ok).toBe(false);
    const worse = pigeonhole(10, 9);
    expect(() => solve({ ...worse, maxConflicts: 50 })).toThrow(ReproError);
    try {
      solve({ ...worse, maxConflicts: 50 });
    } catch (e) {
      expect((e as ReproError).code).toBe('LIMIT');
    }
  });

  it('stays fast on a wide chain of choices', () => {
    // 5,000 packages each requiring one of the next two; only the last of each pair is allowed.
    const n = 10_000;
    const rules: Rule[] = [hard(0, 1)];
    for (let i = 1; i + 2 <= n; i += 2) rules.push(hard(2, -i, i + 1, i + 2), hard(2, -(i + 1)));
    const res = solve({ nvars: n, rules });
    expect(res.ok).toBe(true);
  });
});

describe('toCnf', () => {
  const formula: fc.Arbitrary<Formula> = fc.letrec<{ f: Formula }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 1, max: 4 }).chain((v) => fc.constantFrom<Formula>({ lit: v }, { lit: -v })),
      fc.boolean(),
      fc.array(tie('f'), { maxLength: 3 }).map((and) => ({ and })),
      fc.array(tie('f'), { maxLength: 3 }).map((or) => ({ or })),
      tie('f').map((not) => ({ not })),
    ),
  })).f;

  it('is equivalent to the formula under every assignment', () => {
    fc.assert(
      fc.property(formula, (f) => {
        const clauses = toCnf(f);
        for (let m = 0; m < 16; m++) {
          const value = (v: number) => !!(m & (1 << (v - 1)));
          const c = clauses.every((cl) => cl.some((l) => (l > 0 ? value(l) : !value(-l))));
          if (c !== evaluate(f, value)) return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('bounds the expansion', () => {
    const big: Formula = { or: Array.from({ length: 12 }, (_, i) => ({ and: [anyOf([2 * i + 1]), anyOf([2 * i + 2])] })) };
    expect(() => toCnf(big, 1000)).toThrow(/more than 1000 clauses/);
  });
});

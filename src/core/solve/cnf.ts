/**
 * Boolean formulas over solver literals, and their conversion to clauses (conjunctive normal form)
 * by pushing negations inward and distributing `or` over `and`, as libsolv does for rich
 * dependencies. No auxiliary variables, so every clause speaks only of packages; the price is that
 * a formula can blow up, which is bounded (ReproError LIMIT) rather than left to eat memory.
 */
import { ReproError } from '../errors.js';
import type { Lit } from './solver.js';

export type Formula = boolean | { lit: Lit } | { and: Formula[] } | { or: Formula[] } | { not: Formula };

export const lit = (l: Lit): Formula => ({ lit: l });
/** Any of the variables true (an empty list is false). */
export const anyOf = (vars: number[]): Formula => (vars.length === 0 ? false : vars.length === 1 ? { lit: vars[0] } : { or: vars.map((v) => ({ lit: v })) });

/** Clauses equivalent to `f`; `[]` is true, a list holding `[]` is false. */
export function toCnf(f: Formula, maxClauses = 10_000): Lit[][] {
  return cnf(f, false, maxClauses);
}

function cnf(f: Formula, negate: boolean, max: number): Lit[][] {
  if (typeof f === 'boolean') return f !== negate ? [] : [[]];
  if ('lit' in f) return [[negate ? -f.lit : f.lit]];
  if ('not' in f) return cnf(f.not, !negate, max);
  const isAnd = 'and' in f ? !negate : negate;
  const parts = ('and' in f ? f.and : f.or).map((g) => cnf(g, negate, max));
  if (isAnd) {
    const out = parts.flat();
    if (out.length > max) tooBig(max);
    return out.some((c) => c.length === 0) ? [[]] : out;
  }
  // or: the clauses of the product, each the union of one clause per part
  let acc: Lit[][] = [[]];
  for (const p of parts) {
    if (p.length === 0) return []; // an always-true part makes the whole `or` true
    const next: Lit[][] = [];
    for (const a of acc) {
      for (const b of p) {
        const u = union(a, b);
        if (u) next.push(u);
        if (next.length > max) tooBig(max);
      }
    }
    if (next.length === 0) return [];
    acc = next;
  }
  return acc;
}

/** Union of two clauses, or undefined when it is a tautology (holds x and -x). */
function union(a: Lit[], b: Lit[]): Lit[] | undefined {
  const out = [...a];
  for (const l of b) {
    if (out.includes(-l)) return undefined;
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

function tooBig(max: number): never {
  throw new ReproError('LIMIT', `a rich dependency expands to more than ${max} clauses; refusing to resolve it.`);
}

/** Evaluates `f` under an assignment (tests, and checking weak rules). */
export function evaluate(f: Formula, value: (v: number) => boolean): boolean {
  if (typeof f === 'boolean') return f;
  if ('lit' in f) return f.lit > 0 ? value(f.lit) : !value(-f.lit);
  if ('not' in f) return !evaluate(f.not, value);
  if ('and' in f) return f.and.every((g) => evaluate(g, value));
  return f.or.some((g) => evaluate(g, value));
}

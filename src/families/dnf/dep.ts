/**
 * RPM dependencies: `name`, `name OP evr`, and rich (boolean) dependencies such as
 * `(foo >= 1.2 if bar)`, parsed as rpm 4.14+ does (rpmrichParse): the operators and, or, if,
 * if…else, unless, unless…else, with, without; one operator per parenthesis level (mixing needs
 * parentheses); a name may hold balanced parentheses (`libfoo.so.1()(64bit)`).
 *
 * Version ranges overlap as rpm decides it (rpmdsCompare): compare the two EVRs the way rpm matches
 * dependencies (a missing release matches any release), then look at the senses.
 */
import { ReproError } from '../../core/errors.js';
import { compareEvr } from './version.js';

export type Op = '=' | '<' | '<=' | '>' | '>=';

export interface SimpleDep {
  t: 'simple';
  name: string;
  op?: Op;
  evr?: string;
}

export type Dep =
  | SimpleDep
  | { t: 'and' | 'or' | 'with' | 'without'; args: Dep[] }
  | { t: 'if' | 'unless'; main: Dep; cond: Dep; else?: Dep };

const OPS = new Set<string>(['=', '<', '<=', '>', '>=']);
const MAX_DEPTH = 32;

/** Parses one dependency as primary.xml or a spec gives it. Malformed rich ones: ReproError FORMAT. */
export function parseDep(s: string, what = 'dependency'): Dep {
  if (s.startsWith('(')) {
    const r = new RichParser(s, what);
    const d = r.rich(0);
    r.end();
    return d;
  }
  const parts = s.split(' ');
  if (parts.length === 1) return { t: 'simple', name: s };
  if (parts.length === 3 && OPS.has(parts[1]) && parts[0] && parts[2]) return { t: 'simple', name: parts[0], op: parts[1] as Op, evr: parts[2] };
  throw new ReproError('FORMAT', `${what}: malformed dependency "${s.slice(0, 200)}".`);
}

class RichParser {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly what: string,
  ) {}

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail('text after the closing parenthesis');
  }

  /** `( term [op term]... )` at the current position. */
  rich(depth: number): Dep {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
    this.expect('(');
    const first = this.term(depth);
    this.ws();
    if (this.peek() === ')') {
      this.i++;
      return first;
    }
    const op = this.word();
    if (op === 'and' || op === 'or' || op === 'with' || op === 'without') {
      const args = [first, this.term(depth)];
      for (;;) {
        this.ws();
        if (this.peek() === ')') break;
        const next = this.word();
        if (next !== op || op === 'without') this.fail(`"${next}" after "${op}" needs its own parentheses`);
        args.push(this.term(depth));
      }
      this.i++;
      return { t: op, args };
    }
    if (op === 'if' || op === 'unless') {
      const cond = this.term(depth);
      this.ws();
      let alt: Dep | undefined;
      if (this.peek() !== ')') {
        const e = this.word();
        if (e !== 'else') this.fail(`"${e}" after "${op}" (only "else" may follow)`);
        alt = this.term(depth);
        this.ws();
        if (this.peek() !== ')') this.fail('missing ")"');
      }
      this.i++;
      return alt ? { t: op, main: first, cond, else: alt } : { t: op, main: first, cond };
    }
    return this.fail(`unknown operator "${op}"`);
  }

  private term(depth: number): Dep {
    this.ws();
    if (this.peek() === '(') return this.rich(depth + 1);
    const name = this.token();
    if (!name) this.fail('missing dependency name');
    this.ws();
    const c = this.peek();
    if (c === '<' || c === '>' || c === '=') {
      let op = c;
      this.i++;
      if (this.peek() === '=') (op += '='), this.i++;
      if (!OPS.has(op)) this.fail(`unknown comparison "${op}"`);
      this.ws();
      const evr = this.token();
      if (!evr) this.fail(`missing version after "${name} ${op}"`);
      return { t: 'simple', name, op: op as Op, evr };
    }
    return { t: 'simple', name };
  }

  /** A name or version: up to white space or an unbalanced ")" (rpm's SKIPNONWHITEX). */
  private token(): string {
    const start = this.i;
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n') break;
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      }
      this.i++;
    }
    return this.s.slice(start, this.i);
  }

  private word(): string {
    const start = this.i;
    while (this.i < this.s.length && /[a-z]/.test(this.s[this.i])) this.i++;
    const w = this.s.slice(start, this.i);
    if (!w) this.fail('missing operator');
    return w;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private expect(c: string): void {
    if (this.s[this.i] !== c) this.fail(`expected "${c}"`);
    this.i++;
  }

  private fail(msg: string): never {
    throw new ReproError('FORMAT', `${this.what}: malformed rich dependency "${this.s.slice(0, 200)}": ${msg} (at character ${this.i + 1}).`);
  }
}

/** Whether a provide (or a package's own EVR, as `= evr`) satisfies a requirement's range. */
export function rangesOverlap(aOp: Op | undefined, aEvr: string | undefined, bOp: Op | undefined, bEvr: string | undefined): boolean {
  // rpm: an unversioned side matches anything.
  if (!aOp || !bOp || aEvr === undefined || bEvr === undefined) return true;
  const sense = compareEvr(aEvr, bEvr);
  const aLess = aOp.includes('<');
  const aGreater = aOp.includes('>');
  const aEqual = aOp.includes('=');
  const bLess = bOp.includes('<');
  const bGreater = bOp.includes('>');
  const bEqual = bOp.includes('=');
  if (sense < 0) return aGreater || bLess;
  if (sense > 0) return aLess || bGreater;
  return (aEqual && bEqual) || (aLess && bLess) || (aGreater && bGreater);
}

/** Every simple dependency inside `d` (for indexing and closure walks). */
export function atoms(d: Dep, out: SimpleDep[] = []): SimpleDep[] {
  if (d.t === 'simple') out.push(d);
  else if (d.t === 'if' || d.t === 'unless') {
    atoms(d.main, out);
    atoms(d.cond, out);
    if (d.else) atoms(d.else, out);
  } else if ('args' in d) for (const a of d.args) atoms(a, out);
  return out;
}

export function formatDep(d: Dep): string {
  if (d.t === 'simple') return d.op ? `${d.name} ${d.op} ${d.evr}` : d.name;
  if (d.t === 'if' || d.t === 'unless') return `(${formatDep(d.main)} ${d.t} ${formatDep(d.cond)}${d.else ? ` else ${formatDep(d.else)}` : ''})`;
  return 'args' in d ? `(${d.args.map(formatDep).join(` ${d.t} `)})` : '';
}

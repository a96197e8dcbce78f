/**
 * apk-tools version ordering, validity and constraint matching, as apk-tools src/version.c has them
 * at the commit the shared conformance table names (with `~hash` tokens and fuzzy `~`, `<~`, `>~`).
 *
 * A version is a sequence of tokens, each allowed only after the kinds before it in this order:
 *   1.2.3 (numbers) a (one letter) _rc1 _p2 (suffixes, each with an optional number)
 *   ~1234abcd (commit hash, lowercase hex) -r5 (revision).
 * Tokens compare pairwise while both sides have the same kind. Numbers compare numerically, except a
 * dotted number with a leading zero on either side compares as a string (Gentoo's rule: 1.01 < 1.1).
 * Suffixes rank alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p. Where the kinds first
 * differ, a pre-release suffix loses; otherwise the side whose next token comes earlier in the order
 * above wins, and an invalid tail loses even to the end (1.0 < 1.0a, 1.0_foo < 1.0).
 */
import { ReproError } from '../../core/errors.js';

export type Cmp = -1 | 0 | 1;
export type ApkOp = '=' | '<' | '>' | '<=' | '>=' | '~' | '<~' | '>~';

// Token kinds, in the order they may follow each other; comparisons rely on this order.
const INITIAL = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const HASH = 5;
const REVISION = 6;
const END = 7;
const INVALID = 8;

const NO_SUFFIX = 5; // rank of "no suffix": lower ranks are pre-releases
const SUFFIXES = new Map([
  ['alpha', 1], ['beta', 2], ['pre', 3], ['rc', 4],
  ['cvs', 6], ['svn', 7], ['git', 8], ['hg', 9], ['p', 10],
]);

/** apk keeps numbers in a uint64 and lets them wrap; so do we, so absurd versions order the same. */
function u64(digits: string): string {
  const d = digits.replace(/^0+/, '');
  if (d.length < 20) return d;
  let v = 0n;
  for (let i = 0; i < d.length; i += 18) {
    const chunk = d.slice(i, i + 18);
    v = BigInt.asUintN(64, v * 10n ** BigInt(chunk.length) + BigInt(chunk));
  }
  return v === 0n ? '' : v.toString();
}

const sign = (n: number): Cmp => (n < 0 ? -1 : n > 0 ? 1 : 0);
/** Byte order, shorter first on a tie: apk_blob_sort (the strings here are ASCII). */
const strCmp = (a: string, b: string): Cmp => (a < b ? -1 : a > b ? 1 : 0);
/** Canonical decimal strings (no leading zeros): more digits is bigger. */
const numCmp = (a: string, b: string): Cmp => sign(a.length - b.length) || strCmp(a, b);

class Tokens {
  kind = INITIAL;
  value = '';
  num = '';
  suffix = 0;
  private pos = 0;

  constructor(private readonly s: string) {
    this.digits();
  }

  private run(re: RegExp): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    const r = m ? m[0] : '';
    this.pos += r.length;
    return r;
  }

  private digits(): void {
    this.value = this.run(/[0-9]*/y);
    this.num = u64(this.value);
    if (!this.value) this.kind = INVALID;
  }

  next(): void {
    const c = this.s[this.pos];
    const k = this.kind;
    if (c === undefined) {
      this.kind = END;
    } else if (c >= 'a' && c <= 'z') {
      if (k > DIGIT) return void (this.kind = INVALID);
      this.value = c;
      this.kind = LETTER;
      this.pos++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      // A bare digit can only follow a suffix name (_rc1); `.` only a number.
      if (c === '.' ? k > DIGIT : k !== SUFFIX) return void (this.kind = INVALID);
      if (c === '.') this.pos++;
      this.kind = k === SUFFIX ? SUFFIX_NO : DIGIT;
      this.digits();
    } else if (c === '_') {
      if (k > SUFFIX_NO) return void (this.kind = INVALID);
      this.pos++;
      this.value = this.run(/[a-z]*/y);
      this.suffix = SUFFIXES.get(this.value) ?? 0;
      this.kind = this.suffix ? SUFFIX : INVALID;
    } else if (c === '~') {
      if (k >= HASH) return void (this.kind = INVALID);
      this.pos++;
      this.value = this.run(/[0-9a-f]*/y);
      this.kind = this.value ? HASH : INVALID;
    } else if (c === '-' && this.s[this.pos + 1] === 'r' && k < REVISION) {
      this.pos += 2;
      this.kind = REVISION;
      this.digits();
    } else {
      this.kind = INVALID;
    }
  }
}

/** Two tokens of the same kind. */
function tokenCmp(a: Tokens, b: Tokens): Cmp {
  switch (a.kind) {
    case DIGIT:
      return a.value[0] === '0' || b.value[0] === '0' ? strCmp(a.value, b.value) : numCmp(a.num, b.num);
    case INITIAL:
    case SUFFIX_NO:
    case REVISION:
      return numCmp(a.num, b.num);
    case SUFFIX:
      return sign(a.suffix - b.suffix);
    default: // a letter or a commit hash
      return strCmp(a.value, b.value);
  }
}

/** With `fuzzy`, b being a prefix of a (token-wise) counts as equal: `~3.6` accepts 3.6.9. */
function compare(a: string, b: string, fuzzy: boolean): Cmp {
  const ta = new Tokens(a);
  const tb = new Tokens(b);
  for (; ta.kind === tb.kind && ta.kind < END; ta.next(), tb.next()) {
    const r = tokenCmp(ta, tb);
    if (r) return r;
  }
  if (ta.kind === tb.kind) return 0; // both ended, or both went invalid at the same point
  if (fuzzy && tb.kind === END) return 0;
  if (ta.kind === SUFFIX && ta.suffix < NO_SUFFIX) return -1;
  if (tb.kind === SUFFIX && tb.suffix < NO_SUFFIX) return 1;
  return ta.kind > tb.kind ? -1 : 1;
}

export function compareApkVersions(a: string, b: string): Cmp {
  return compare(a, b, false);
}

export function isValidApkVersion(v: string): boolean {
  const t = new Tokens(v);
  while (t.kind < END) t.next();
  return t.kind === END;
}

const LESS = 2;
const EQUAL = 1;
const GREATER = 4;
const FUZZY = 8;
const OPS = new Map<string, number>([
  ['=', EQUAL], ['<', LESS], ['>', GREATER], ['<=', LESS | EQUAL], ['>=', GREATER | EQUAL],
  ['~', EQUAL | FUZZY], ['<~', LESS | EQUAL | FUZZY], ['>~', GREATER | EQUAL | FUZZY],
]);

/** Does version `a` satisfy the constraint `op b` (apk_version_match)? */
export function apkVersionMatch(a: string, op: ApkOp, b: string): boolean {
  const mask = OPS.get(op);
  if (mask === undefined) {
    throw new ReproError('FORMAT', `Unknown apk version operator "${op}".`, {
      hint: 'apk dependencies use =, <, >, <=, >=, ~, <~ or >~.',
    });
  }
  const r = compare(a, b, (mask & FUZZY) !== 0);
  return ((r < 0 ? LESS : r > 0 ? GREATER : EQUAL) & mask) !== 0;
}

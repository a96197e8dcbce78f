/**
 * RPM version ordering, as rpm 4.18 does it.
 *
 * - `rpmvercmp`: one version or release string against another (rpm's rpmvercmp).
 * - `compareEvr`: [epoch:]version[-release] as rpm matches dependencies (rpmverOverlap): a release
 *   missing (or empty) on either side compares equal, so `Requires: foo = 1.2` accepts `1.2-3`. Not a
 *   total order (`1.2-1 = 1.2 = 1.2-2`), so never sort with it.
 * - `compareEvrTotal`: the total order of rpm's rpmverCmp (what Lua `rpm.vercmp` returns): a missing
 *   release sorts before any release. Sort candidates with this one.
 */

export type Cmp = -1 | 0 | 1;

export interface Evr {
  epoch: number;
  version: string;
  /** Undefined when the string has no `-`; `''` for a trailing `-` (rpm keeps the two apart). */
  release?: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// ASCII only: rpm's risalpha ignores the locale, so other bytes are separators.
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 0x7e;
const CARET = 0x5e;

export function rpmvercmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;
    const ca = at(a, i);
    const cb = at(b, j);
    // `~` sorts before everything, the end of the string included (1.0~rc1 < 1.0).
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++, j++;
      continue;
    }
    // `^` sorts after the end of the string but before anything else (1.0 < 1.0^git1 < 1.0.1).
    if (ca === CARET || cb === CARET) {
      if (ca === 0) return -1;
      if (cb === 0) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++, j++;
      continue;
    }
    if (ca === 0 || cb === 0) break;

    // One all-digit or all-letter segment, typed by a's side.
    const num = isDigit(ca);
    const inSeg = num ? isDigit : isAlpha;
    let ie = i;
    let je = j;
    while (ie < a.length && inSeg(a.charCodeAt(ie))) ie++;
    while (je < b.length && inSeg(b.charCodeAt(je))) je++;
    // b has the other type here: a number beats letters.
    if (je === j) return num ? 1 : -1;
    let sa = a.slice(i, ie);
    let sb = b.slice(j, je);
    if (num) {
      // Compare as numbers of any size: drop leading zeros, then more digits wins.
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ie;
    j = je;
  }
  // Equal segments; separators alone never make a difference. Otherwise the longer one wins.
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** rpm's parseEVR: the epoch is the leading digits before `:`, the release what follows the last `-`. */
function splitEvr(evr: string): { epoch?: string; version: string; release?: string } {
  let s = 0;
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++;
  const dash = evr.lastIndexOf('-'); // only digits precede s, so any `-` is at or after it
  const end = dash >= 0 ? dash : evr.length;
  const release = dash >= 0 ? evr.slice(dash + 1) : undefined;
  if (evr[s] === ':') return { epoch: evr.slice(0, s) || '0', version: evr.slice(s + 1, end), release };
  return { version: evr.slice(0, end), release };
}

/**
 * `"1:2.3-4.fc40"` → `{epoch: 1, version: "2.3", release: "4.fc40"}`; a missing epoch is 0. rpm headers
 * hold epochs as uint32, so a number is exact; the compare functions work on the strings anyway.
 */
export function parseEvr(evr: string): Evr {
  const p = splitEvr(evr);
  const out: Evr = { epoch: Number(p.epoch ?? 0), version: p.version };
  if (p.release !== undefined) out.release = p.release;
  return out;
}

/** Inverse of parseEvr; epoch 0 is left out, as dnf prints it. */
export function formatEvr(evr: { epoch?: number; version: string; release?: string }): string {
  return `${evr.epoch ? `${evr.epoch}:` : ''}${evr.version}${evr.release === undefined ? '' : `-${evr.release}`}`;
}

/** Dependency-matching comparison (rpmverOverlap's sense); see the file comment. */
export function compareEvr(a: string, b: string): Cmp {
  const x = splitEvr(a);
  const y = splitEvr(b);
  // Epochs are digit strings: rpmvercmp compares them numerically without overflow.
  return (
    rpmvercmp(x.epoch ?? '0', y.epoch ?? '0') ||
    rpmvercmp(x.version, y.version) ||
    (x.release && y.release ? rpmvercmp(x.release, y.release) : 0)
  );
}

/** Sorting comparison (rpmverCmp, Lua `rpm.vercmp`); see the file comment. */
export function compareEvrTotal(a: string, b: string): Cmp {
  const x = splitEvr(a);
  const y = splitEvr(b);
  const rel = (r?: string, q?: string): Cmp =>
    r === undefined ? (q === undefined ? 0 : -1) : q === undefined ? 1 : rpmvercmp(r, q);
  return rpmvercmp(x.epoch ?? '0', y.epoch ?? '0') || rpmvercmp(x.version, y.version) || rel(x.release, y.release);
}

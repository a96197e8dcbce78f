/**
 * Debian version ordering, exactly as dpkg (lib/dpkg/version.c): `[epoch:]upstream[-revision]`,
 * compared epoch numerically, then upstream and revision by dpkg's alternating non-digit/digit walk.
 *
 * Written over char codes with no allocation because the resolver compares versions in hot loops;
 * digit runs are compared by length after skipping leading zeros, so any length works (no overflow).
 */

const TILDE = 126;

/** dpkg's `order()`: `~` < end of string < letters < everything else; digits never reach here. */
function order(c: number): number {
  if (c === TILDE) return -1;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  return c + 256;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Compares s[ai..ae) with t[bi..be) by dpkg's verrevcmp. Returns negative, 0 or positive. */
function verrevcmp(s: string, ai: number, ae: number, t: string, bi: number, be: number): number {
  while (ai < ae || bi < be) {
    // Non-digit prefix: compare character by character with dpkg's order; a missing char is 0.
    while ((ai < ae && !isDigit(s.charCodeAt(ai))) || (bi < be && !isDigit(t.charCodeAt(bi)))) {
      const ac = ai < ae && !isDigit(s.charCodeAt(ai)) ? order(s.charCodeAt(ai)) : 0;
      const bc = bi < be && !isDigit(t.charCodeAt(bi)) ? order(t.charCodeAt(bi)) : 0;
      if (ac !== bc) return ac - bc;
      ai++;
      bi++;
    }
    // Digit run: skip leading zeros, then the longer run is larger, else the first differing digit.
    while (ai < ae && s.charCodeAt(ai) === 48) ai++;
    while (bi < be && t.charCodeAt(bi) === 48) bi++;
    let firstDiff = 0;
    while (ai < ae && bi < be && isDigit(s.charCodeAt(ai)) && isDigit(t.charCodeAt(bi))) {
      if (firstDiff === 0) firstDiff = s.charCodeAt(ai) - t.charCodeAt(bi);
      ai++;
      bi++;
    }
    if (ai < ae && isDigit(s.charCodeAt(ai))) return 1;
    if (bi < be && isDigit(t.charCodeAt(bi))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Numeric comparison of two digit strings of any length (epochs). */
function compareDigits(s: string, ai: number, ae: number, t: string, bi: number, be: number): number {
  while (ai < ae && s.charCodeAt(ai) === 48) ai++;
  while (bi < be && t.charCodeAt(bi) === 48) bi++;
  if (ae - ai !== be - bi) return ae - ai - (be - bi);
  for (; ai < ae; ai++, bi++) {
    const d = s.charCodeAt(ai) - t.charCodeAt(bi);
    if (d !== 0) return d;
  }
  return 0;
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** dpkg's ordering of two version strings: -1 if a < b, 0 if equal, 1 if a > b. */
export function compareDebVersions(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  // dpkg strips surrounding whitespace before parsing.
  a = a.trim();
  b = b.trim();
  const ac = a.indexOf(':');
  const bc = b.indexOf(':');
  const e = compareDigits(a, 0, ac < 0 ? 0 : ac, b, 0, bc < 0 ? 0 : bc);
  if (e !== 0) return sign(e);
  const ah = a.lastIndexOf('-');
  const bh = b.lastIndexOf('-');
  const aUp = ac + 1;
  const bUp = bc + 1;
  // A hyphen inside the epoch part cannot start a revision.
  const aUe = ah > ac ? ah : a.length;
  const bUe = bh > bc ? bh : b.length;
  const u = verrevcmp(a, aUp, aUe, b, bUp, bUe);
  if (u !== 0) return sign(u);
  return sign(verrevcmp(a, aUe < a.length ? aUe + 1 : a.length, a.length, b, bUe < b.length ? bUe + 1 : b.length, b.length));
}

const UPSTREAM_OK = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION_OK = /^[A-Za-z0-9.+~]+$/;

/**
 * True when dpkg accepts `v` without error or warning: optional numeric epoch that fits an int,
 * upstream starting with a digit, and only the characters policy allows in upstream and revision.
 */
export function isValidDebVersion(v: string): boolean {
  v = v.trim();
  if (v === '' || /\s/.test(v)) return false;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const epoch = v.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch) || Number(epoch) > 2147483647) return false;
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  if (hyphen >= 0 && !REVISION_OK.test(rest.slice(hyphen + 1))) return false;
  return UPSTREAM_OK.test(upstream);
}

/**
 * pacman's version ordering (libalpm's alpm_pkg_vercmp, pacman 6), the order `vercmp` prints.
 *
 * [epoch:]pkgver[-pkgrel]: a missing epoch is 0, and the pkgrel is compared only when both sides have
 * one (so a dependency on `foo>=1.5` is met by `1.5-1`). Each part goes through pacman's own copy of
 * an old rpmvercmp, which differs from today's rpm: no `~`/`^` rules (they are plain separators), a
 * longer run of separators wins, and letters left over lose to the end of the string while a
 * separator left over wins: 1.0a < 1.0 < 1.0.a < 1.0.0.
 */

export type Cmp = -1 | 0 | 1;

// ASCII only: libalpm uses isalnum/isalpha in the C locale, so other bytes are separators.
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);

/**
 * The bytes libalpm sees, one char per byte: separator runs are counted in bytes, so a UTF-8
 * character must weigh as many separators as it has bytes.
 */
function bytes(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

function segcmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  let one = 0; // start of the unread part
  let two = 0;
  let end1 = 0; // end of the previous segment, to measure the separators since
  let end2 = 0;
  while (one < a.length && two < b.length) {
    while (one < a.length && !isAlnum(at(a, one))) one++;
    while (two < b.length && !isAlnum(at(b, two))) two++;
    if (one >= a.length || two >= b.length) break;
    // Different separator runs decide on their own: 2___a > 2_a.
    if (one - end1 !== two - end2) return one - end1 < two - end2 ? -1 : 1;

    const num = isDigit(at(a, one));
    const inSeg = num ? isDigit : isAlpha;
    end1 = one;
    end2 = two;
    while (end1 < a.length && inSeg(a.charCodeAt(end1))) end1++;
    while (end2 < b.length && inSeg(b.charCodeAt(end2))) end2++;
    // b has the other type here: a number beats letters.
    if (end2 === two) return num ? 1 : -1;
    let sa = a.slice(one, end1);
    let sb = b.slice(two, end2);
    if (num) {
      // Numbers of any size: drop leading zeros, then more digits wins.
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    one = end1;
    two = end2;
  }
  if (one >= a.length && two >= b.length) return 0;
  // The final showdown: what is left wins, unless it is letters (1.0rc < 1.0, 1.0 < 1.0.1).
  return (one >= a.length && !isAlpha(at(b, two))) || isAlpha(at(a, one)) ? -1 : 1;
}

/** libalpm's parseEVR: epoch = leading digits before `:` (else "0"), pkgrel = after the last `-`. */
function splitEvr(evr: string): { epoch: string; version: string; release?: string } {
  let s = 0;
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++;
  const dash = evr.lastIndexOf('-'); // only digits precede s, so any `-` is at or after it
  const end = dash >= 0 ? dash : evr.length;
  const release = dash >= 0 ? evr.slice(dash + 1) : undefined;
  if (evr[s] === ':') return { epoch: evr.slice(0, s) || '0', version: evr.slice(s + 1, end), release };
  return { epoch: '0', version: evr.slice(0, end), release };
}

/** alpm_pkg_vercmp: -1 if a is older than b, 0 if the same, 1 if newer. */
export function vercmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  const x = splitEvr(bytes(a));
  const y = splitEvr(bytes(b));
  return (
    segcmp(x.epoch, y.epoch) ||
    segcmp(x.version, y.version) ||
    (x.release !== undefined && y.release !== undefined ? segcmp(x.release, y.release) : 0)
  );
}

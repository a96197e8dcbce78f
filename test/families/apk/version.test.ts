import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApkOp, apkVersionMatch, compareApkVersions, isValidApkVersion } from '../../../src/families/apk/version.js';

function vectors(name: string): string[][] {
  const file = fileURLToPath(new URL(`../../../../shared/vectors/${name}`, import.meta.url));
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));
}

/** A total preorder: equal-equal gives equal, less-less gives less, and equal-then-less gives less. */
function expectTransitive(a: string, b: string, c: string): void {
  const ab = compareApkVersions(a, b);
  const bc = compareApkVersions(b, c);
  if (ab === bc || ab === 0 || bc === 0) expect(compareApkVersions(a, c), `${a} ${b} ${c}`).toBe(ab || bc);
}

// Valid versions from small sets, so pairs often share a head. 2^64 wraps to 0 as in apk.
const num = fc.constantFrom('0', '1', '2', '9', '10', '01', '001', '20240101', '18446744073709551616');
const valid = fc
  .tuple(
    num,
    fc.array(num, { maxLength: 3 }),
    fc.option(fc.constantFrom('a', 'b', 'z')),
    fc.array(fc.tuple(fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'), fc.option(num)), { maxLength: 2 }),
    fc.option(fc.constantFrom('1234abcd', '2345', '0f', 'abc')),
    fc.option(fc.constantFrom('0', '1', '2', '10', '01')),
  )
  .map(
    ([n, ns, letter, sufs, hash, rev]) =>
      n + ns.map((x) => `.${x}`).join('') + (letter ?? '') + sufs.map(([s, k]) => `_${s}${k ?? ''}`).join('') +
      (hash === null ? '' : `~${hash}`) + (rev === null ? '' : `-r${rev}`),
  );
// Anything from the same alphabet, valid or not (apk orders invalid versions too).
const loose = fc
  .array(fc.constantFrom('1', '0', '2', '10', '.', 'a', 'b', '_rc', '_p', '_foo', '~ab', '~', '-r', '-', '1'), { minLength: 1, maxLength: 8 })
  .map((p) => p.join(''));

describe('compareApkVersions', () => {
  const rows = vectors('apk.tsv');
  it('reads the apk conformance table', () => expect(rows.length).toBeGreaterThan(700));
  it.each(rows)('%s vs %s is %s, and mirrored (apk-tools test/unit/version.data)', (a, b, s) => {
    expect(compareApkVersions(a, b)).toBe(Number(s));
    expect(compareApkVersions(b, a)).toBe(-Number(s) || 0);
  });

  it('follows the token rules', () => {
    expect(compareApkVersions('1.0_rc1', '1.0')).toBe(-1); // pre-release suffix
    expect(compareApkVersions('1.0_p1', '1.0')).toBe(1); // post-release suffix
    expect(compareApkVersions('1.0_alpha_pre2', '1.0_alpha')).toBe(-1);
    expect(compareApkVersions('1.01', '1.1')).toBe(-1); // leading zero: string order
    expect(compareApkVersions('1.01', '1.001')).toBe(1);
    expect(compareApkVersions('01.1', '1.1')).toBe(0); // but not on the first number
    expect(compareApkVersions('1.0~abc', '1.0')).toBe(1);
    expect(compareApkVersions('1.0~abc-r1', '1.0~abd')).toBe(-1);
    expect(compareApkVersions('1.18446744073709551617', '1.1')).toBe(0); // uint64 wraps, as in apk
    expect(compareApkVersions('1.0_foo', '1.0')).toBe(-1); // an invalid tail loses
    expect(compareApkVersions('1.0_foo', '1.0_bar')).toBe(0);
  });

  it('is reflexive, antisymmetric and transitive', () => {
    for (const gen of [valid, loose]) {
      fc.assert(fc.property(gen, (a) => compareApkVersions(a, a) === 0));
      fc.assert(fc.property(gen, gen, (a, b) => compareApkVersions(a, b) === (-compareApkVersions(b, a) || 0)), { numRuns: 2000 });
      fc.assert(fc.property(gen, gen, gen, (a, b, c) => expectTransitive(a, b, c)), { numRuns: 3000 });
    }
  });

  it('never throws and terminates on arbitrary and very long strings (the test timeout bounds it)', () => {
    const ok = (n: number) => n === -1 || n === 0 || n === 1;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) =>
      ok(compareApkVersions(a, b)) && typeof isValidApkVersion(a) === 'boolean' && typeof apkVersionMatch(a, '~', b) === 'boolean'));
    const long = '1.'.repeat(100_000);
    expect(compareApkVersions(`${long}2`, `${long}10`)).toBe(-1);
    expect(compareApkVersions(`1.${'9'.repeat(100_000)}`, `1.${'9'.repeat(100_000)}`)).toBe(0);
  });
});

describe('isValidApkVersion', () => {
  const rows = vectors('apk-valid.tsv');
  it('reads the apk validity table', () => expect(rows.length).toBeGreaterThan(20));
  it.each(rows)('%s is %s', (v, s) => expect(isValidApkVersion(v)).toBe(s === 'valid'));

  it('accepts every generated version', () => {
    fc.assert(fc.property(valid, (v) => isValidApkVersion(v)));
    for (const v of ['1a_rc1', '1.0a~f-r0', '1_p_p']) expect(isValidApkVersion(v), v).toBe(true);
    for (const v of ['', '1.', '1..2', '1-r1-r2', '1~ABC', '1_rc1a', 'v1']) expect(isValidApkVersion(v), v).toBe(false);
  });
});

describe('apkVersionMatch', () => {
  const rows = vectors('apk-match.tsv');
  it('reads the apk matching table', () => expect(rows.length).toBeGreaterThan(10));
  it.each(rows)('%s %s %s is %s', (a, op, b, s) => expect(apkVersionMatch(a, op as ApkOp, b)).toBe(s === 'true'));

  it('matches the plain operators by comparison', () => {
    const ops: [ApkOp, number[]][] = [['=', [0]], ['<', [-1]], ['>', [1]], ['<=', [-1, 0]], ['>=', [0, 1]]];
    fc.assert(fc.property(valid, valid, (a, b) =>
      ops.every(([op, ok]) => apkVersionMatch(a, op, b) === ok.includes(compareApkVersions(a, b)))));
  });

  it('fuzzy-matches on a token prefix', () => {
    expect(apkVersionMatch('3.6.0-r1', '~', '3.6')).toBe(true);
    expect(apkVersionMatch('3.6', '~', '3.6.0')).toBe(false);
    expect(apkVersionMatch('3.60', '~', '3.6')).toBe(false); // tokens, not characters
    expect(apkVersionMatch('3.7', '<~', '3.6')).toBe(false);
    expect(apkVersionMatch('3.5.9', '>~', '3.6')).toBe(false);
    fc.assert(fc.property(valid, (a) => apkVersionMatch(a, '~', a) && apkVersionMatch(a, '<~', a) && apkVersionMatch(a, '>~', a)));
  });

  it('rejects an unknown operator', () => {
    expect(() => apkVersionMatch('1', '==' as ApkOp, '1')).toThrow(/Unknown apk version operator/);
  });
});

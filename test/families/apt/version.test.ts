import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDebVersions, isValidDebVersion } from '../../../src/families/apt/version.js';

// ../shared seen from the project root (this file is test/families/apt/).
const VECTORS = new URL('../../../../shared/vectors/dpkg.tsv', import.meta.url);

function rows(): [string, string, number][] {
  return readFileSync(VECTORS, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [a, b, s] = l.split('\t');
      return [a, b, Number(s)];
    });
}

// Versions in the shapes real archives use, plus the awkward corners: tildes, long digit runs,
// leading zeros, epochs, hyphens inside upstream.
const alnum = fc.constantFrom(...'0123456789abcxyzABZ'.split(''));
const sep = fc.constantFrom('.', '+', '~', '~~', '0', '00');
const digits = fc.stringMatching(/^[0-9]{1,30}$/);
const part = fc.oneof(digits, fc.array(alnum, { minLength: 1, maxLength: 4 }).map((a) => a.join('')), sep);
const upstream = fc
  .tuple(digits, fc.array(part, { maxLength: 5 }))
  .map(([d, ps]) => d + ps.join(''));
const revision = fc.array(fc.oneof(digits, alnum, fc.constantFrom('.', '+', '~', 'deb12u', 'ubuntu')), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
const debVersion = fc
  .tuple(fc.option(fc.oneof(fc.nat(3).map(String), fc.constant('00'), fc.constant('1')), { nil: undefined }), upstream, fc.option(revision, { nil: undefined }))
  .map(([e, u, r]) => (e !== undefined ? `${e}:` : '') + u + (r !== undefined ? `-${r}` : ''));

describe('compareDebVersions', () => {
  const table = rows();
  it('has the dpkg vectors', () => expect(table.length).toBeGreaterThan(40));
  for (const [a, b, s] of table) {
    it(`${a} vs ${b} = ${s}`, () => {
      expect(compareDebVersions(a, b)).toBe(s);
      expect(compareDebVersions(b, a)).toBe(-s || 0);
    });
  }

  it('orders ~ before everything and long digit runs numerically', () => {
    expect(compareDebVersions('1.0~rc1', '1.0')).toBe(-1);
    expect(compareDebVersions('1.0~~', '1.0~')).toBe(-1);
    expect(compareDebVersions('1.0a', '1.0+')).toBe(-1);
    expect(compareDebVersions('1.99999999999999999999999999', '1.100000000000000000000000000')).toBe(-1);
    expect(compareDebVersions('99999999999999999999:1', '99999999999999999998:2')).toBe(1);
    expect(compareDebVersions('1.000000000000000000000000001', '1.1')).toBe(0);
  });

  it('is antisymmetric and reflexive', () => {
    fc.assert(
      fc.property(debVersion, debVersion, (a, b) => {
        expect(compareDebVersions(a, a)).toBe(0);
        expect(compareDebVersions(a, b)).toBe(-compareDebVersions(b, a) || 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(debVersion, debVersion, debVersion, (a, b, c) => {
        const s = [a, b, c].sort(compareDebVersions);
        expect(compareDebVersions(s[0], s[1])).toBeLessThanOrEqual(0);
        expect(compareDebVersions(s[1], s[2])).toBeLessThanOrEqual(0);
        expect(compareDebVersions(s[0], s[2])).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with dpkg --compare-versions on generated versions', () => {
    const pairs = fc.sample(fc.tuple(debVersion, debVersion), { numRuns: 150, seed: 20240521 });
    // Near-misses matter most: also compare each version with a small edit of itself.
    for (const [a] of pairs.slice(0, 50)) pairs.push([a, a + '~'], [a, a.replace(/[0-9]$/, '0')]);
    // One shell, one dpkg per pair: prints lt/eq/gt per line.
    const script = pairs
      .map(([a, b]) => `if dpkg --compare-versions '${a}' lt '${b}'; then echo -1; elif dpkg --compare-versions '${a}' eq '${b}'; then echo 0; else echo 1; fi`)
      .join('\n');
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(out.length).toBe(pairs.length);
    const mismatches = pairs.filter(([a, b], i) => compareDebVersions(a, b) !== out[i]);
    expect(mismatches).toEqual([]);
  });
});

describe('isValidDebVersion', () => {
  it.each(['1.0', '1:2.3-4', '0.9~rc1-1+deb12u1', '2:1.0-1-1', '1.0+dfsg-0ubuntu1~22.04'])('accepts %s', (v) => {
    expect(isValidDebVersion(v)).toBe(true);
  });
  it.each(['', 'a1.0', '1.0 1', ':1.0', 'x:1.0', '1.0-', '1.0-a_b', '1:', '1.0_1', '99999999999:1'])('rejects %j', (v) => {
    expect(isValidDebVersion(v)).toBe(false);
  });
  it('accepts every generated version, like dpkg', () => {
    fc.assert(fc.property(debVersion, (v) => isValidDebVersion(v)), { numRuns: 500 });
  });
});

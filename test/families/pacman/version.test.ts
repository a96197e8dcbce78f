import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vercmp } from '../../../src/families/pacman/version.js';

function vectors(name: string): string[][] {
  const file = fileURLToPath(new URL(`../../../../shared/vectors/${name}`, import.meta.url));
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));
}

/** A total preorder: equal-equal gives equal, less-less gives less, and equal-then-less gives less. */
function expectTransitive(a: string, b: string, c: string): void {
  const ab = vercmp(a, b);
  const bc = vercmp(b, c);
  if (ab === bc || ab === 0 || bc === 0) expect(vercmp(a, c), `${a} ${b} ${c}`).toBe(ab || bc);
}

// Realistic versions: alphanumeric chunks, sometimes glued (1a, rc1), mostly joined by one separator.
const chunk = fc.constantFrom(
  '0', '1', '2', '9', '10', '01', '001', '123', '20240101', '99999999999999999999',
  'a', 'b', 'z', 'rc', 'alpha', 'beta', 'git', 'A', 'r', 'rc1', '2b', '1a',
);
const sep = fc.constantFrom('.', '.', '.', '_', '+');
const chunks = fc.array(fc.tuple(fc.option(sep, { freq: 3 }), chunk), { maxLength: 4 }).map((t) => t.map(([s, c]) => (s ?? '') + c).join(''));
const pkgver = fc.tuple(chunk, chunks).map(([c, t]) => c + t);
const epoch = fc.option(fc.constantFrom('0', '1', '2', '01', '10'), { freq: 3 });
const pkgrel = fc.constantFrom('1', '2', '10', '1.1');
// Odd strings: any mix of pieces, with separators pacman treats specially or not at all (`~`, `^`,
// and `é`, which is two bytes of separator), and `:`/`-` anywhere.
const odd = fc
  .array(fc.oneof(chunk, fc.constantFrom('.', '_', '+', '~', '^', '..', '__', 'é', ':', '-')), { minLength: 1, maxLength: 7 })
  .map((p) => p.join(''))
  .filter((s) => !s.startsWith('-')); // vercmp would read it as an option

/** Versions sharing a head (the interesting case); `rel` decides whether they carry a pkgrel. */
function versions(n: 2 | 3, rel: fc.Arbitrary<string | null>) {
  const tail = fc.tuple(fc.oneof(fc.constant(''), chunks), rel).map(([t, r]) => t + (r === null ? '' : `-${r}`));
  return fc.tuple(epoch, pkgver, fc.array(tail, { minLength: n, maxLength: n })).map(([e, p, ts]) =>
    ts.map((t) => (e === null ? '' : `${e}:`) + p + t),
  );
}
const full3 = versions(3, pkgrel);
const any2 = fc.oneof(versions(2, fc.option(pkgrel)), fc.tuple(odd, odd));

describe('vercmp', () => {
  const rows = vectors('pacman.tsv');
  it('reads the pacman conformance table', () => expect(rows.length).toBeGreaterThan(40));
  it.each(rows)('%s vs %s is %s, and mirrored (pacman vercmptest.sh)', (a, b, s) => {
    expect(vercmp(a, b)).toBe(Number(s));
    expect(vercmp(b, a)).toBe(-Number(s) || 0);
  });

  it('has pacman quirks, not rpm rules', () => {
    expect(vercmp('1.0~rc1', '1.0')).toBe(1); // `~` is a separator
    expect(vercmp('1.0', '1.0.0')).toBe(-1);
    expect(vercmp('1.0.a', '1.0.0')).toBe(-1); // letters lose to numbers
    expect(vercmp('1.0a', '1.0')).toBe(-1);
    expect(vercmp('1é0', '1..0')).toBe(0); // é is two bytes of separator
    expect(vercmp('1é0', '1.0')).toBe(1);
    expect(vercmp('1.18446744073709551617', '1.18446744073709551616')).toBe(1);
  });

  it('is reflexive and antisymmetric, and transitive over full versions', () => {
    fc.assert(fc.property(any2, ([a]) => vercmp(a, a) === 0));
    fc.assert(fc.property(any2, ([a, b]) => vercmp(a, b) === (-vercmp(b, a) || 0)), { numRuns: 3000 });
    fc.assert(fc.property(full3, ([a, b, c]) => expectTransitive(a, b, c)), { numRuns: 3000 });
    // Not over mixed ones: a missing pkgrel matches any, as pacman wants for dependencies.
    expect([vercmp('1.0-1', '1.0'), vercmp('1.0', '1.0-2'), vercmp('1.0-1', '1.0-2')]).toEqual([0, 0, -1]);
    // Nor over odd strings, in pacman itself (checked with vercmp 6.0.2): a cycle.
    expect([vercmp('a.-.', 'a10:a-a'), vercmp('a10:a-a', 'a.a-.'), vercmp('a.a-.', 'a.-.')]).toEqual([-1, -1, -1]);
  });

  it('never throws and terminates on arbitrary and very long strings (the test timeout bounds it)', () => {
    const ok = (n: number) => n === -1 || n === 0 || n === 1;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => ok(vercmp(a, b))));
    const long = '1.'.repeat(100_000);
    expect(vercmp(`${long}2`, `${long}10`)).toBe(-1);
  });
});

describe('against the real vercmp', () => {
  const hasVercmp = (() => {
    try {
      execFileSync('vercmp', ['1', '2'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it('agrees with pacman vercmp on 300 generated pairs', (ctx) => {
    if (!hasVercmp) ctx.skip('vercmp is not installed (Debian package "pacman-package-manager"): cross-check skipped');
    const pairs = fc.sample(any2, { seed: 20240103, numRuns: 300 });
    // One shell runs all 300 vercmp calls, reading the pairs from stdin.
    const out = execFileSync('bash', ['-c', `while IFS=$'\\t' read -r a b; do vercmp "$a" "$b"; done`], {
      input: pairs.map(([a, b]) => `${a}\t${b}\n`).join(''),
      encoding: 'utf8',
    });
    const got = out.trim().split('\n').map(Number);
    expect(got).toHaveLength(pairs.length);
    expect(new Set(got)).toEqual(new Set([-1, 0, 1])); // the sample reaches every outcome
    const diffs = pairs.flatMap(([a, b], i) => (got[i] === vercmp(a, b) ? [] : [`${a} ${b}: vercmp ${got[i]}, ours ${vercmp(a, b)}`]));
    expect(diffs).toEqual([]);
  });
});

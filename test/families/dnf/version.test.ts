import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEvr, compareEvrTotal, formatEvr, parseEvr, rpmvercmp } from '../../../src/families/dnf/version.js';

type Cmp = (a: string, b: string) => number;

function vectors(name: string): string[][] {
  const file = fileURLToPath(new URL(`../../../../shared/vectors/${name}`, import.meta.url));
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));
}

/** A total preorder: equal-equal gives equal, less-less gives less, and equal-then-less gives less. */
function expectTransitive(cmp: Cmp, a: string, b: string, c: string): void {
  const ab = cmp(a, b);
  const bc = cmp(b, c);
  if (ab === bc || ab === 0 || bc === 0) expect(cmp(a, c), `${a} ${b} ${c}`).toBe(ab || bc);
}

// Realistic pieces; versions are built by concatenation so segments also merge (1 + 0 → 10).
const piece = fc.oneof(
  fc.constantFrom('0', '1', '2', '9', '10', '01', '001', '123', '20240101', '99999999999999999999'),
  fc.constantFrom('a', 'b', 'z', 'rc', 'git', 'beta', 'A', 'fc40', 'el9'),
  fc.constantFrom('.', '.', '.', '_', '+', '~', '^', '..'),
);
const version = fc.array(piece, { minLength: 1, maxLength: 7 }).map((p) => p.join(''));
const evr = fc
  .tuple(fc.option(fc.constantFrom('', '0', '1', '2', '01', '10')), version, fc.option(fc.oneof(version, fc.constant(''))))
  .map(([e, v, r]) => `${e === null ? '' : `${e}:`}${v}${r === null ? '' : `-${r}`}`);
// A shared prefix makes the interesting cases (equal heads, different tails) common.
const pair = (v: fc.Arbitrary<string>) => fc.tuple(v, v, v).map(([p, x, y]) => [p + x, p + y] as const);
const triple = (v: fc.Arbitrary<string>) => fc.tuple(v, v, v, v).map(([p, x, y, z]) => [p + x, p + y, p + z] as const);

describe('rpmvercmp', () => {
  const rows = vectors('rpm.tsv');
  it('reads the rpm conformance table', () => expect(rows.length).toBeGreaterThan(80));
  it.each(rows)('%s vs %s is %s (rpm tests/rpmvercmp.at)', (a, b, s) => {
    expect(rpmvercmp(a, b)).toBe(Number(s));
    expect(rpmvercmp(b, a)).toBe(-Number(s) || 0);
  });

  it('compares numbers of any length without overflow', () => {
    expect(rpmvercmp('1.18446744073709551617', '1.18446744073709551616')).toBe(1);
    expect(rpmvercmp('1.000000000000000000000000001', '1.1')).toBe(0);
  });

  it('is reflexive, antisymmetric and transitive', () => {
    fc.assert(fc.property(version, (a) => rpmvercmp(a, a) === 0));
    fc.assert(fc.property(pair(version), ([a, b]) => rpmvercmp(a, b) === (-rpmvercmp(b, a) || 0)), { numRuns: 2000 });
    fc.assert(fc.property(triple(version), ([a, b, c]) => expectTransitive(rpmvercmp, a, b, c)), { numRuns: 3000 });
  });

  it('never throws and terminates on arbitrary and very long strings (the test timeout bounds it)', () => {
    const ok = (n: number) => n === -1 || n === 0 || n === 1;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) =>
      ok(rpmvercmp(a, b)) && ok(compareEvr(a, b)) && ok(compareEvrTotal(a, b))));
    const long = '1.'.repeat(100_000);
    expect(rpmvercmp(`${long}2`, `${long}10`)).toBe(-1);
  });
});

describe('EVR', () => {
  it('parses and formats [epoch:]version[-release]', () => {
    expect(parseEvr('1:2.3-4.fc40')).toEqual({ epoch: 1, version: '2.3', release: '4.fc40' });
    expect(parseEvr('2.3')).toEqual({ epoch: 0, version: '2.3' });
    expect(parseEvr(':2.3-')).toEqual({ epoch: 0, version: '2.3', release: '' });
    expect(parseEvr('1.0-rc-2')).toEqual({ epoch: 0, version: '1.0-rc', release: '2' }); // the last `-` splits
    expect(parseEvr('a:1')).toEqual({ epoch: 0, version: 'a:1' }); // only digits make an epoch
    for (const s of ['1:2.3-4.fc40', '2.3', '2.3-1', '3:1']) expect(formatEvr(parseEvr(s))).toBe(s);
    expect(formatEvr({ epoch: 0, version: '1', release: '2' })).toBe('1-2');
  });

  it('compares epoch, then version, then release', () => {
    expect(compareEvr('1:1.0-1', '2.0-1')).toBe(1);
    expect(compareEvr('0:1.0-1', '1.0-1')).toBe(0);
    expect(compareEvr('0010:1', '10:1')).toBe(0);
    expect(compareEvr('99999999999999999999:1', '99999999999999999998:2')).toBe(1);
    expect(compareEvr('1.0-2', '1.0-10')).toBe(-1);
    expect(compareEvr('1.0~rc1-5', '1.0-1')).toBe(-1);
  });

  it('compareEvr treats a missing release as matching any (dependency matching)', () => {
    expect(compareEvr('1.0', '1.0-1')).toBe(0);
    expect(compareEvr('1.0-1', '1.0-')).toBe(0);
    // ...which is why it is not an order to sort by:
    expect([compareEvr('1.0-1', '1.0'), compareEvr('1.0', '1.0-2'), compareEvr('1.0-1', '1.0-2')]).toEqual([0, 0, -1]);
  });

  it('compareEvrTotal puts a missing release first (rpm.vercmp)', () => {
    expect(compareEvrTotal('1.0', '1.0-1')).toBe(-1);
    expect(compareEvrTotal('1.0', '1.0-')).toBe(-1);
    expect(compareEvrTotal('0:1.0', '1.0')).toBe(0);
  });

  it('orders consistently: compareEvrTotal is a total order that compareEvr refines', () => {
    fc.assert(fc.property(pair(evr), ([a, b]) => {
      expect(compareEvr(a, b)).toBe(-compareEvr(b, a) || 0);
      expect(compareEvrTotal(a, b)).toBe(-compareEvrTotal(b, a) || 0);
      if (compareEvrTotal(a, b) === 0) expect(compareEvr(a, b)).toBe(0);
      if (parseEvr(a).release && parseEvr(b).release) expect(compareEvr(a, b)).toBe(compareEvrTotal(a, b));
    }), { numRuns: 2000 });
    fc.assert(fc.property(triple(evr), ([a, b, c]) => expectTransitive(compareEvrTotal, a, b, c)), { numRuns: 3000 });
  });
});

describe('against the real rpm', () => {
  const hasRpm = (() => {
    try {
      execFileSync('rpm', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it('agrees with rpm.vercmp on 300 version pairs and 300 EVR pairs', (ctx) => {
    if (!hasRpm) ctx.skip('rpm is not installed (Debian package "rpm"): cross-check skipped');
    const plain = fc.sample(pair(version), { seed: 20240101, numRuns: 300 });
    const full = fc.sample(pair(evr), { seed: 20240102, numRuns: 300 });
    const all = [...plain, ...full];
    // Decimal escapes keep every byte literal for Lua; one rpm process answers all pairs.
    const lua = (s: string) => `"${[...Buffer.from(s)].map((c) => `\\${String(c).padStart(3, '0')}`).join('')}"`;
    const dir = mkdtempSync(join(tmpdir(), 'rpmvercmp-'));
    try {
      const script = join(dir, 'pairs.lua');
      writeFileSync(script, [
        'local p = {',
        ...all.map(([a, b]) => `{${lua(a)}, ${lua(b)}},`),
        '}',
        'local out = {}',
        'for i, x in ipairs(p) do out[i] = tostring(rpm.vercmp(x[1], x[2])) end',
        'print(table.concat(out, " "))',
      ].join('\n'));
      const got = execFileSync('rpm', ['--eval', `%{lua: dofile("${script}")}`], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
      expect(got).toHaveLength(all.length);
      expect(new Set(got)).toEqual(new Set([-1, 0, 1])); // the sample reaches every outcome
      // With no `:` or `-`, rpm.vercmp is plain rpmvercmp.
      const mine = [...plain.map(([a, b]) => rpmvercmp(a, b)), ...full.map(([a, b]) => compareEvrTotal(a, b))];
      const diffs = all.flatMap(([a, b], i) => (got[i] === mine[i] ? [] : [`${a} ${b}: rpm ${got[i]}, ours ${mine[i]}`]));
      expect(diffs).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

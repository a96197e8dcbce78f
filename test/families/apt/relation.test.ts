import { describe, expect, it } from 'vitest';
import { formatGroup, parseProvides, parseRelations, scanRelationNames, versionSatisfies } from '../../../src/families/apt/relation.js';

const strip = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('parseRelations', () => {
  it('parses groups, alternatives, versions and qualifiers', () => {
    const g = parseRelations('libc6 (>= 2.34), python3:any (<< 3.12) | python3-minimal, foo:amd64,bar');
    expect(strip(g)).toEqual([
      [{ name: 'libc6', op: '>=', version: '2.34' }],
      [{ name: 'python3', archQual: 'any', op: '<<', version: '3.12' }, { name: 'python3-minimal' }],
      [{ name: 'foo', archQual: 'amd64' }],
      [{ name: 'bar' }],
    ]);
  });

  it('maps the obsolete < and > to <= and >= as dpkg does, and tolerates odd spacing', () => {
    expect(strip(parseRelations('a(<1.0),b ( >  2 ) ,\n c (<<3)'))).toEqual([
      [{ name: 'a', op: '<=', version: '1.0' }],
      [{ name: 'b', op: '>=', version: '2' }],
      [{ name: 'c', op: '<<', version: '3' }],
    ]);
  });

  it('keeps arch lists and profiles unless asked to evaluate them', () => {
    const text = 'a [amd64], b [!amd64] | c, d <!nocheck>, e <stage1> <cross>';
    expect(parseRelations(text).map(formatGroup)).toEqual(['a', 'b | c', 'd', 'e']);
    expect(parseRelations(text, { arch: 'amd64', profiles: [] }).map(formatGroup)).toEqual(['a', 'c', 'd']);
    expect(parseRelations(text, { arch: 'arm64', profiles: ['nocheck', 'cross'] }).map(formatGroup)).toEqual(['b | c', 'e']);
    expect(parseRelations('x [linux-any], y [any-i386]', { arch: 'amd64' }).map(formatGroup)).toEqual(['x']);
  });

  it('rejects malformed fields with FORMAT', () => {
    for (const bad of ['a (>= 1', 'a (~ 1)', 'a | , b', 'a (>=)', 'a b', '| a']) {
      expect(() => parseRelations(bad, { where: 'Packages:3' }), bad).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    }
  });

  it('accepts empty and trailing-comma fields', () => {
    expect(parseRelations('')).toEqual([]);
    expect(parseRelations('a, ').length).toBe(1);
  });
});

describe('parseProvides', () => {
  it('reads name (= version) entries and refuses other operators', () => {
    expect(strip(parseProvides('mail-transport-agent, libfoo (= 1.2)'))).toEqual([{ name: 'mail-transport-agent' }, { name: 'libfoo', op: '=', version: '1.2' }]);
    expect(() => parseProvides('x (>= 1)')).toThrow(expect.objectContaining({ code: 'FORMAT' }));
  });
});

describe('scanRelationNames', () => {
  it('yields the same names as a full parse', () => {
    const text = 'libc6 (>= 2.34) [amd64], python3:any (<< 3.12) | python3-minimal <!nocheck>, foo:amd64,bar';
    const names: string[] = [];
    scanRelationNames(text, (n, q) => names.push(q ? `${n}:${q}` : n));
    expect(names).toEqual(['libc6', 'python3:any', 'python3-minimal', 'foo:amd64', 'bar']);
  });
});

describe('versionSatisfies', () => {
  it('applies each operator with dpkg ordering', () => {
    expect(versionSatisfies('1.0~rc1', '<<', '1.0')).toBe(true);
    expect(versionSatisfies('1.0', '<=', '1.0-0')).toBe(true);
    expect(versionSatisfies('2:1', '>>', '1:9')).toBe(true);
    expect(versionSatisfies('1.0', '=', '1.0')).toBe(true);
    expect(versionSatisfies('1.0', '>=', '1.1')).toBe(false);
    expect(versionSatisfies('1.0', undefined, undefined)).toBe(true);
  });
});

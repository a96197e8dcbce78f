import { describe, expect, it } from 'vitest';
import { formatDepend, parseDepend, satisfies, type Depend } from '../../../src/families/pacman/depend.js';

const p = (name: string, version: string, provides: string[] = []) => ({ name, version, provides: provides.map(parseDepend) });

describe('parseDepend (alpm_dep_from_string)', () => {
  it.each<[string, Depend]>([
    ['glibc', { name: 'glibc', mod: 'any' }],
    ['glibc>=2.36', { name: 'glibc', mod: '>=', version: '2.36' }],
    ['glibc<=2.36', { name: 'glibc', mod: '<=', version: '2.36' }],
    ['glibc>2', { name: 'glibc', mod: '>', version: '2' }],
    ['glibc<2', { name: 'glibc', mod: '<', version: '2' }],
    ['libcurl.so=4-64', { name: 'libcurl.so', mod: '=', version: '4-64' }],
    ['python=3:3.10', { name: 'python', mod: '=', version: '3:3.10' }],
    // The operator is the first '<', else the first '>', else '='.
    ['a>=1<2', { name: 'a>=1', mod: '<', version: '2' }],
    ['tk: for the GUI', { name: 'tk', mod: 'any', desc: 'for the GUI' }],
    ['tk>=8: for the GUI: really', { name: 'tk', mod: '>=', version: '8', desc: 'for the GUI: really' }],
  ])('%s', (s, want) => expect(parseDepend(s)).toEqual(want));

  it('round-trips through formatDepend', () => {
    for (const s of ['a', 'a>=1', 'a<=1', 'a<1', 'a>1', 'a=1:2-3']) expect(formatDepend(parseDepend(s))).toBe(s);
  });
});

describe('satisfies (_alpm_depcmp)', () => {
  it('compares the package version with vercmp, the pkgrel only when both sides have one', () => {
    expect(satisfies(p('foo', '1.5-1'), parseDepend('foo>=1.5'))).toBe(true);
    expect(satisfies(p('foo', '1.5-1'), parseDepend('foo=1.5'))).toBe(true);
    expect(satisfies(p('foo', '1.5-1'), parseDepend('foo=1.5-2'))).toBe(false);
    expect(satisfies(p('foo', '1:1.0-1'), parseDepend('foo>2.0'))).toBe(true); // epoch
    expect(satisfies(p('foo', '1.0rc1-1'), parseDepend('foo<1.0'))).toBe(true);
  });
  it('takes any provide of the name for an unversioned dependency', () => {
    expect(satisfies(p('bash', '5.1-1', ['sh']), parseDepend('sh'))).toBe(true);
    expect(satisfies(p('curl', '7.85-1', ['libcurl.so=4-64']), parseDepend('libcurl.so'))).toBe(true);
  });
  it('takes only a name=ver provide for a versioned dependency; an unversioned provide never', () => {
    expect(satisfies(p('curl', '7.85-1', ['libcurl.so=4-64']), parseDepend('libcurl.so>=4'))).toBe(true);
    expect(satisfies(p('curl', '7.85-1', ['libcurl.so=4-64']), parseDepend('libcurl.so>=5'))).toBe(false);
    expect(satisfies(p('bash', '5.1-1', ['sh']), parseDepend('sh>=1'))).toBe(false);
    // The package's own version does not stand in for its provides.
    expect(satisfies(p('jre-openjdk', '18-1', ['java-runtime=18']), parseDepend('java-runtime>=11'))).toBe(true);
    expect(satisfies(p('jre11-openjdk', '11-1', ['java-runtime=11']), parseDepend('java-runtime>=17'))).toBe(false);
  });
});

/**
 * The APKINDEX text parser: every field on the four real indexes (counted against a plain line
 * count of the same text), dependency atoms, and hostile input (file:line errors, limits, unsafe
 * names), plus the .tar segments and .PKGINFO it shares code with.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReproError } from '../../../src/core/errors.js';
import { safeRelativePath } from '../../../src/core/lockfile/schema.js';
import { parseApkIndex, parseChecksum } from '../../../src/families/apk/apkindex.js';
import { depMatches, formatDep, parseDep, parseDepList } from '../../../src/families/apk/dependency.js';
import { readApkIndexFile } from '../../../src/families/apk/index-file.js';
import { parsePkgInfo } from '../../../src/families/apk/package-file.js';
import { readTar } from '../../../src/core/tar.js';
import { readFileSync } from 'node:fs';
import { REAL_DIR, REAL_INDEXES, realKeys } from './support/real.js';
import { thrown } from '../../support/typed-errors.js';

describe('parseApkIndex on the real indexes', () => {
  it.each(REAL_INDEXES)('%s: every field of every package', async (name) => {
    const text = readApkIndexFile(readFileSync(`${REAL_DIR}${name}-APKINDEX.tar.gz`), name, await realKeys(), true).text;
    const pkgs = parseApkIndex(text, name);
    const lines = text.split('\n');
    const count = (k: string): number => lines.filter((l) => l.startsWith(`${k}:`)).length;
    const atoms = (k: string): number => lines.filter((l) => l.startsWith(`${k}:`)).reduce((n, l) => n + l.slice(2).split(' ').filter(Boolean).length, 0);
    expect(pkgs.length).toBe(count('P'));
    const has = (f: (p: (typeof pkgs)[number]) => unknown): number => pkgs.filter((p) => f(p) !== undefined).length;
    expect(has((p) => p.checksum)).toBe(count('C'));
    expect(has((p) => p.arch)).toBe(count('A'));
    expect(has((p) => p.size)).toBe(count('S'));
    expect(has((p) => p.installedSize)).toBe(count('I'));
    expect(has((p) => p.description)).toBe(count('T'));
    expect(has((p) => p.url)).toBe(count('U'));
    expect(has((p) => p.license)).toBe(count('L'));
    expect(has((p) => p.origin)).toBe(count('o'));
    expect(has((p) => p.maintainer)).toBe(count('m'));
    expect(has((p) => p.buildTime)).toBe(count('t'));
    expect(has((p) => p.commit)).toBe(count('c'));
    expect(pkgs.filter((p) => p.providerPriority > 0).length).toBe(count('k'));
    expect(pkgs.reduce((n, p) => n + p.depends.length, 0)).toBe(atoms('D'));
    expect(pkgs.reduce((n, p) => n + p.provides.length, 0)).toBe(atoms('p'));
    expect(pkgs.reduce((n, p) => n + p.installIf.length, 0)).toBe(atoms('i'));
    // Every package file name is a safe relative path.
    for (const p of pkgs) expect(safeRelativePath.safeParse(`${p.name}-${p.version}.apk`).success).toBe(true);
  });

  it('reads the v3.16 fields of a known package exactly', async () => {
    const text = readApkIndexFile(readFileSync(`${REAL_DIR}v3.16-main-x86_64-APKINDEX.tar.gz`), 'x', await realKeys(), true).text;
    const bash = parseApkIndex(text, 'x').find((p) => p.name === 'bash')!;
    expect(bash).toMatchObject({ version: '5.1.16-r2', arch: 'x86_64', license: 'GPL-3.0-or-later', origin: 'bash', providerPriority: 0 });
    expect(bash.depends.map(formatDep)).toContain('/bin/sh');
    expect(bash.provides.map(formatDep)).toContain('cmd:bash=5.1.16-r2');
    const icu = parseApkIndex(text, 'x').find((p) => p.name === 'icu-data-en')!;
    expect(icu.providerPriority).toBe(100);
    const zshGit = parseApkIndex(text, 'x').find((p) => p.name === 'git-zsh-completion')!;
    expect(zshGit.installIf.map(formatDep)).toEqual(['zsh=5.8.1-r4', 'git']);
    expect(zshGit.checksum?.raw).toBe('Q1ZX+on7zBgcokTctj4tLSmx7q5O4=');
    expect(zshGit.checksum?.digest.length).toBe(20);
  });
});

describe('parseApkIndex on hostile input', () => {
  const stanza = 'C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\nP:foo\nV:1.0-r0\nA:x86_64\n';

  it('accepts replaces, unknown lower-case fields and CRLF', () => {
    const [p] = parseApkIndex(stanza + 'r:bar baz\nq:10\nz:future\n', 'f');
    expect(p.replaces.map((d) => d.name)).toEqual(['bar', 'baz']);
    expect(p.replacesPriority).toBe(10);
    expect(parseApkIndex(stanza.replaceAll('\n', '\r\n'), 'f')[0].version).toBe('1.0-r0');
  });

  it.each([
    ['an unknown upper-case field', stanza + 'X:1\n', 'f:5: unknown field X:'],
    ['a repeated field', stanza + 'V:2\n', 'f:5: field V: appears twice'],
    ['a line without a colon', stanza + 'garbage\n', 'f:5: expected "X:value"'],
    ['a name that could leave the folder', stanza.replace('P:foo', 'P:../foo'), 'f:2: "../foo" is not a package name'],
    ['a version with a slash', stanza.replace('V:1.0-r0', 'V:1/../../x'), 'f:3: "1/../../x" is not a version'],
    ['a missing checksum', 'P:foo\nV:1\n', 'f:1: package foo has no C:'],
    ['a missing version', 'C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\nP:foo\n', 'f:1: package foo has no V:'],
    ['a malformed checksum', stanza.replace('Q1ZX', 'Q9ZX'), 'f:1: "Q9ZX'],
    ['a bad size', stanza + 'S:-1\n', 'f:5: S:-1 is not a non-negative integer'],
    ['a bad dependency', stanza + 'D:foo>>1\n', 'f:5: "foo>>1": unknown operator'],
    ['a provide with an operator', stanza + 'p:bar>1\n', 'f:5: provide "bar>1" must be NAME or NAME=VERSION'],
    ['a NUL byte', stanza + 'T:a\0b\n', 'f:5: NUL byte'],
  ])('refuses %s with file:line', (_what, text, msg) => {
    const e = thrown(() => parseApkIndex(text, 'f'));
    expect(e.code).toBe('FORMAT');
    expect(e.message).toContain(msg);
  });

  it('bounds lines, fields and packages', () => {
    expect(thrown(() => parseApkIndex(stanza + `T:${'x'.repeat(100)}\n`, 'f', { maxLine: 50 })).code).toBe('LIMIT');
    expect(thrown(() => parseApkIndex(stanza + 'T:x\n', 'f', { maxFieldsPerPackage: 4 })).code).toBe('LIMIT');
    expect(thrown(() => parseApkIndex(`${stanza}\n${stanza}`, 'f', { maxPackages: 1 })).code).toBe('LIMIT');
  });

  it('never crashes on arbitrary text: it parses or throws a ReproError', () => {
    const line = fc.oneof(fc.constantFrom('', 'P:a', 'V:1', 'C:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=', 'D:x>1 !y', 'p:z=1', 'k:9', 'i:a b=1'), fc.string({ maxLength: 20 }));
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), (ls) => {
      try {
        parseApkIndex(ls.join('\n'), 'f');
      } catch (e) {
        if (!(e instanceof ReproError)) throw e;
      }
    }), { numRuns: 2000 });
  });

  it('lets the installed database through its file records', () => {
    const db = 'P:foo\nV:1\nF:usr/bin\nR:foo\na:0:0:755\nZ:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\nR:bar\nZ:Q1ZX+on7zBgcokTctj4tLSmx7q5O4=\n';
    expect(parseApkIndex(db, 'installed', { installed: true })[0].name).toBe('foo');
    expect(thrown(() => parseApkIndex(db, 'index')).message).toContain('index:3: unknown field F:');
  });
});

describe('dependency atoms', () => {
  it.each([
    ['so:libc.musl-x86_64.so.1', { name: 'so:libc.musl-x86_64.so.1', conflict: false }],
    ['!sudo', { name: 'sudo', conflict: true }],
    ['busybox>=1.35', { name: 'busybox', op: '>=', version: '1.35', conflict: false }],
    ['busybox~1.35', { name: 'busybox', op: '~', version: '1.35', conflict: false }],
    ['busybox=~1.35', { name: 'busybox', op: '~', version: '1.35', conflict: false }],
    ['!busybox<1', { name: 'busybox', op: '<', version: '1', conflict: true }],
    ['foo@edge', { name: 'foo', tag: 'edge', conflict: false }],
    ['foo><Q1ZX+on7zBgcokTctj4tLSmx7q5O4=', { name: 'foo', op: '><', version: 'Q1ZX+on7zBgcokTctj4tLSmx7q5O4=', conflict: false }],
  ])('parses %s', (atom, want) => {
    expect(parseDep(atom)).toEqual(want);
    expect(formatDep(parseDep(atom) as never)).toBe(atom.replace('=~', '~'));
  });

  it('refuses malformed atoms with the place', () => {
    expect(parseDep('a<<1')).toMatch(/unknown operator/);
    expect(parseDep('>1')).toMatch(/is not a dependency/);
    expect(parseDep('x'.repeat(2000))).toMatch(/longer than/);
    expect(thrown(() => parseDepList('ok bad<<1', 'f:9')).message).toBe('f:9: "bad<<1": unknown operator "<<"');
    expect(thrown(() => parseDepList('a b c', 'f:9', 2)).code).toBe('LIMIT');
  });

  it('matches as apk_dep_is_provided: unversioned provides meet only unversioned constraints', () => {
    const d = (s: string) => parseDep(s) as never;
    expect(depMatches(d('foo'), '1.0')).toBe(true);
    expect(depMatches(d('foo'), null)).toBe(true);
    expect(depMatches(d('foo>=1'), null)).toBe(false);
    expect(depMatches(d('foo>=1'), '1.0')).toBe(true);
    expect(depMatches(d('!foo'), '1.0')).toBe(false);
    expect(depMatches(d('!foo'), undefined)).toBe(true);
    expect(depMatches(d('foo'), undefined)).toBe(false);
    expect(depMatches(d('!foo<2'), '3')).toBe(true);
    expect(depMatches(d('busybox~1.35'), '1.35.0-r17')).toBe(true);
    expect(depMatches(d('busybox~1.3'), '1.35.0-r17')).toBe(false);
    expect(depMatches(d('foo><Q1abc'), '1', 'Q1abc')).toBe(true);
    expect(depMatches(d('foo><Q1abc'), '1', 'Q1abd')).toBe(false);
  });

  it('parses checksums of every generation', () => {
    expect(parseChecksum('Q1ZX+on7zBgcokTctj4tLSmx7q5O4=')?.algo).toBe('sha1');
    expect(parseChecksum('Q2' + Buffer.alloc(32, 1).toString('base64'))?.algo).toBe('sha256');
    expect(parseChecksum('d41d8cd98f00b204e9800998ecf8427e')?.algo).toBe('md5');
    expect(parseChecksum('Q1short')).toBeUndefined();
  });
});

describe('tar segments and .PKGINFO', () => {
  const header = (name: string, size: number, type = '0'): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write(size.toString(8).padStart(11, '0') + '\0', 124);
    h.write('        ', 148);
    h.write(type, 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return h;
  };

  it('reads a segment without end blocks, pax records and long names', () => {
    const pax = Buffer.from('32 path=some/very/long/name.txt\n');
    const seg = Buffer.concat([header('x', pax.length, 'x'), pax, Buffer.alloc(512 - pax.length), header('short', 3), Buffer.from('abc'), Buffer.alloc(509)]);
    expect(readTar(seg, 't').map((e) => [e.path, e.data.toString()])).toEqual([['some/very/long/name.txt', 'abc']]);
  });

  it('refuses a bad checksum, an overlong entry and malformed pax', () => {
    const h = header('a', 5);
    h[0] = 0x62;
    expect(thrown(() => readTar(Buffer.concat([h, Buffer.alloc(512)]), 't')).message).toContain('bad header checksum');
    expect(thrown(() => readTar(Buffer.concat([header('a', 5000), Buffer.alloc(512)]), 't')).message).toContain('runs past the end');
    const badPax = Buffer.from('99 path=x\n');
    expect(thrown(() => readTar(Buffer.concat([header('x', badPax.length, 'x'), badPax, Buffer.alloc(512 - badPax.length)]), 't')).message).toContain('malformed pax');
  });

  it('parses .PKGINFO with comments and repeated keys, and refuses other lines', () => {
    const info = parsePkgInfo('# comment\npkgname = foo\ndepend = a\ndepend = b\n', 'P');
    expect(info.get('pkgname')).toBe('foo');
    expect(info.fields.get('depend')).toEqual(['a', 'b']);
    expect(thrown(() => parsePkgInfo('pkgname=foo\n', 'P')).message).toBe('P:1: expected "key = value", got "pkgname=foo"');
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReproError } from '../../../src/core/errors.js';
import { emptyPackage, readDesc } from '../../../src/families/pacman/desc.js';
import { cmpBytes, parseDb, parseDbTar } from '../../../src/families/pacman/db.js';
import { readTar } from '../../../src/core/tar.js';
import { realDb } from './support/real-arch.js';
import { desc, entry, writeTar } from './support/tar-writer.js';

const parse = (files: Parameters<typeof writeTar>[0]) => parseDbTar(writeTar(files), 'test', 'test.db');

describe('real Arch databases (September 2022)', () => {
  it.each([['core', 261], ['extra', 3029], ['multilib', 278]] as const)('%s.db has %i packages, each with a digest, a signature and a safe file name', async (id, count) => {
    const pkgs = await parseDb(readFileSync(realDb(id)), id, `${id}.db`);
    expect(pkgs).toHaveLength(count);
    for (const p of pkgs) {
      expect(p.sha256, p.name).toMatch(/^[0-9a-f]{64}$/);
      expect(p.pgpsig, p.name).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(p.filename.startsWith(`${p.name}-${p.version}-${p.arch}.pkg.tar.`), p.filename).toBe(true);
      expect(p.repo).toBe(id);
    }
    // libalpm's cache order: byte-wise by name.
    expect(pkgs.map((p) => p.name)).toEqual([...pkgs.map((p) => p.name)].sort(cmpBytes));
  });

  it('reads every field of a real entry (acl 2.3.1-2)', async () => {
    const acl = (await parseDb(readFileSync(realDb('core')), 'core', 'core.db')).find((p) => p.name === 'acl')!;
    expect(acl).toMatchObject({
      filename: 'acl-2.3.1-2-x86_64.pkg.tar.zst', base: 'acl', version: '2.3.1-2', csize: 138970, isize: 325349,
      md5: '718c93159ce4dfc6f789ffe27ce276e8', sha256: '20873a994a0728de5b05857129c290e9a8c9bba2236cc30bcffa7b746ffe9218',
      url: 'https://savannah.nongnu.org/projects/acl', license: ['LGPL'], arch: 'x86_64', builddate: 1643730617,
      packager: 'Christian Hesse <eworm@archlinux.org>', desc: 'Access control list utilities, libraries and headers',
    });
    expect(acl.pgpsig!.startsWith('iHUEABYIAB0WIQQEKYl95fO9')).toBe(true);
    expect(acl.replaces).toEqual([{ name: 'xfsacl', mod: 'any' }]);
    expect(acl.conflicts).toEqual([{ name: 'xfsacl', mod: 'any' }]);
    expect(acl.provides).toEqual([{ name: 'xfsacl', mod: 'any' }, { name: 'libacl.so', mod: '=', version: '1-64' }]);
    expect(acl.depends).toEqual([{ name: 'attr', mod: 'any' }, { name: 'libattr.so', mod: 'any' }]);
  });

  it('reads groups, optdepends with descriptions and makedepends', async () => {
    const core = await parseDb(readFileSync(realDb('core')), 'core', 'core.db');
    expect(core.filter((p) => p.groups.includes('base-devel')).length).toBeGreaterThan(20);
    const withOpt = core.find((p) => p.optdepends.some((d) => d.desc))!;
    expect(withOpt.optdepends.find((d) => d.desc)!.desc!.length).toBeGreaterThan(0);
    const glibc = core.find((p) => p.name === 'glibc')!;
    expect(glibc.makedepends).toEqual(expect.arrayContaining(['gd', 'python']));
    expect(core.some((p) => p.checkdepends.length > 0)).toBe(true);
  });

  it('gives the same packages from gzip, zstd, xz and plain tar', async () => {
    const tar = gunzipSync(readFileSync(realDb('core')));
    const want = JSON.stringify(await parseDb(gzipSync(tar), 'core', 'gz'));
    const zst = execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 26 });
    const xz = execFileSync('xz', ['-c'], { input: tar, maxBuffer: 1 << 26 });
    for (const [kind, data] of [['zst', zst], ['xz', xz], ['tar', tar]] as const) {
      expect(JSON.stringify(await parseDb(data, 'core', kind)), kind).toBe(want);
    }
  });
});

describe('database format', () => {
  it('merges the split depends file of databases older than pacman 4.2', () => {
    const d = desc({ FILENAME: 'foo-1.0-1-any.pkg.tar.xz', NAME: 'foo', VERSION: '1.0-1', ARCH: 'any' });
    const deps = desc({ DEPENDS: ['bar>=2', 'sh'], PROVIDES: 'libfoo.so=1-64', CONFLICTS: 'oldfoo<1', OPTDEPENDS: 'baz: for the baz mode' });
    const [p] = parse([{ path: 'foo-1.0-1/', type: '5' }, { path: 'foo-1.0-1/desc', data: d }, { path: 'foo-1.0-1/depends', data: deps }]);
    expect(p.depends).toEqual([{ name: 'bar', mod: '>=', version: '2' }, { name: 'sh', mod: 'any' }]);
    expect(p.provides).toEqual([{ name: 'libfoo.so', mod: '=', version: '1-64' }]);
    expect(p.conflicts).toEqual([{ name: 'oldfoo', mod: '<', version: '1' }]);
    expect(p.optdepends).toEqual([{ name: 'baz', mod: 'any', desc: 'for the baz mode' }]);
  });

  it('skips unknown fields and the files list of .files databases', () => {
    const [p] = parse([...entry('foo', '1-1', { XDATA: ['pkgtype=pkg'] }), { path: 'foo-1-1/files', data: '%FILES%\nusr/\n' }]);
    expect(p.name).toBe('foo');
  });

  it('reads pax long paths written by bsdtar', () => {
    const long = `${'n'.repeat(120)}-1-1`;
    const pax = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length;
      while (`${len}${body}`.length !== len) len = body.length + String(len).length;
      return `${len}${body}`;
    };
    const tar = writeTar([{ path: 'PaxHeader/x', type: 'x', data: pax('path', `${long}/desc`) }, { path: 'truncated', data: desc({ FILENAME: 'f.pkg.tar.zst', NAME: 'n'.repeat(120), VERSION: '1-1' }) }]);
    expect(parseDbTar(tar, 't', 't.db')[0].name).toBe('n'.repeat(120));
  });
});

describe('hostile databases are refused', () => {
  const bad = (files: Parameters<typeof writeTar>[0]) => () => parse(files);
  it.each(['../../etc/passwd', 'sub/file.pkg.tar.zst', '.hidden', '..', 'a\0b'])('a file name of %j refuses the whole database', (name) => {
    expect(bad(entry('foo', '1-1', { FILENAME: name }))).toThrowError(/refusing the whole database|not a plain file name/);
  });
  it('names the file and line of a malformed desc', () => {
    expect(bad([{ path: 'foo-1-1/desc', data: '%NAME%\nfoo\n\nstray text\n' }])).toThrowError(/test\.db:foo-1-1\/desc:4: expected a %FIELD% header/);
    expect(bad([{ path: 'foo-1-1/desc', data: desc({ NAME: 'foo', VERSION: '1-1', FILENAME: 'f' }) + '\n%NAME%\nfoo\n' }])).toThrowError(/desc:\d+: %NAME% given twice/);
    expect(bad(entry('foo', '1-1', { CSIZE: '12abc' }))).toThrowError(/%CSIZE% "12abc" is not a number/);
    expect(bad(entry('foo', '1-1', { VERSION: ['1-1', '2-1'] }))).toThrowError(/%VERSION% must have exactly one value/);
  });
  it('refuses an entry whose name and version do not match its folder', () => {
    expect(bad([{ path: 'foo-1-1/desc', data: desc({ NAME: 'bar', VERSION: '1-1', FILENAME: 'f' }) }])).toThrowError(/do not match the folder name foo-1-1/);
  });
  it('refuses a package name that could not be a URL path segment', () => {
    expect(bad(entry('../x', '1-1'))).toThrowError(/unexpected entry|not a valid package name/);
    expect(bad(entry('fo o', '1-1'))).toThrowError(/not a valid package name/);
  });
  it('refuses the same package twice and paths outside package folders', () => {
    const e = entry('foo', '1-1');
    expect(bad([...e, { path: 'foo-1-1/desc', data: 'x' }])).toThrowError(/appears twice/);
    expect(bad([{ path: 'a/b/desc', data: 'x' }])).toThrowError(/unexpected entry/);
    expect(bad([{ path: '../desc', data: 'x' }])).toThrowError(/unexpected entry/);
  });
  it('bounds line length (LIMIT)', () => {
    expect(bad(entry('foo', '1-1', { DESC: 'x'.repeat(70_000) }))).toThrowError(expect.objectContaining({ code: 'LIMIT' }));
  });
  it('refuses corrupt or truncated tar data', () => {
    const tar = writeTar(entry('foo', '1-1'));
    const flipped = Buffer.from(tar);
    flipped[10] ^= 0xff;
    expect(() => parseDbTar(flipped, 't', 't.db')).toThrowError(/bad header checksum/);
    expect(() => parseDbTar(tar.subarray(0, 700), 't', 't.db')).toThrowError(/runs past the end|trailing bytes/);
    expect(() => readTar(Buffer.from('not a tar at all, just text'.repeat(30)), 't')).toThrowError(expect.objectContaining({ code: 'FORMAT' }));
  });
  it('refuses data that is no database and a decompression bomb', async () => {
    await expect(parseDb(Buffer.from('hello'), 't', 't.db')).rejects.toThrowError(/not a pacman database/);
    await expect(parseDb(gzipSync(Buffer.alloc(64 << 20)), 't', 't.db')).rejects.toThrowError(expect.objectContaining({ code: 'LIMIT' }));
    await expect(parseDb(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), 't', 't.db')).rejects.toThrowError(expect.objectContaining({ code: 'FORMAT' }));
  });
});

describe('arbitrary input never crashes the reader', () => {
  const typed = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!isReproError(e)) throw e;
    }
  };
  it('desc text: parsed or a typed error', () => {
    const piece = fc.constantFrom('%NAME%', '%DEPENDS%', '%CSIZE%', '%X%', '%', '', 'foo', 'a>=1', 'b: c', '\r', '12', '%VERSION%');
    fc.assert(fc.property(fc.array(fc.oneof(piece, fc.string()), { maxLength: 30 }), (lines) => typed(() => readDesc(lines.join('\n'), 'd', emptyPackage('r'), new Set()))), { numRuns: 500 });
  });
  it('tar bytes: parsed or a typed error', () => {
    const good = writeTar([...entry('foo', '1-1'), ...entry('bar', '2-1', { DEPENDS: ['foo>=1'] })]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(good.length), (flips, cut) => {
        const b = Buffer.from(good.subarray(0, cut));
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        typed(() => parseDbTar(b, 't', 't.db'));
      }),
      { numRuns: 500 },
    );
  });
});

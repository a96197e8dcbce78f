import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactIndex, forEachRelationName, PackagesParser, parseCompact, parsePackages, parseStatus, type AptPackage } from '../../../src/families/apt/packages.js';

const PKGS = `Package: curl
Version: 7.88.1-10+deb12u5
Architecture: amd64
Maintainer: Someone <x@example.org>
Multi-Arch: foreign
Priority: optional
Depends: libc6 (>= 2.34), libcurl4 (= 7.88.1-10+deb12u5),
 zlib1g (>= 1:1.1.4)
Provides: http-client
Source: curl (7.88.1-10)
Description: command line tool
 with a long description
Filename: pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb
Size: 315240
SHA256: 0123456789abcdef

package: base-files
version: 12.4
architecture: amd64
essential: yes
priority: required
protected: yes
`;

describe('parsePackages', () => {
  it('keeps the fields the resolver and the lock need', () => {
    const [curl, base] = parsePackages(PKGS, 'debian/bookworm', 'Packages');
    expect(curl).toMatchObject({
      name: 'curl',
      version: '7.88.1-10+deb12u5',
      arch: 'amd64',
      multiArch: 'foreign',
      priority: 'optional',
      essential: false,
      filename: 'pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb',
      size: 315240,
      sha256: '0123456789abcdef',
      srcName: 'curl',
      srcVersion: '7.88.1-10',
      source: 'debian/bookworm',
      file: 'Packages',
      line: 1,
    });
    expect(curl.depends.map((g) => g[0].name)).toEqual(['libc6', 'libcurl4', 'zlib1g']);
    expect(curl.provides).toEqual([expect.objectContaining({ name: 'http-client' })]);
    expect(curl.recommends).toEqual([]);
    // Field names are case-insensitive in deb822.
    expect(base).toMatchObject({ name: 'base-files', essential: true, protected: true, priority: 'required', line: 17 });
  });

  it('lists relation names in apt order without needing a parse', () => {
    const [p] = parsePackages('Package: a\nVersion: 1\nArchitecture: all\nDepends: b, c | d:any\nPre-Depends: e\nConflicts: f\nProvides: g\n', 's');
    const names: string[] = [];
    forEachRelationName(p, (n, q, prov) => names.push((prov ? '+' : '') + n + (q ? `:${q}` : '')));
    expect(names).toEqual(['e', 'b', 'c', 'd:any', 'f', '+g']);
  });

  it('reports malformed input with file:line', () => {
    expect(() => parsePackages('Package: a\nVersion: 1\nArchitecture: all\n\nPackage b\n', 's', 'P')).toThrow(/^P:5: expected "Field: value"/);
    expect(() => parsePackages(' continuation\n', 's', 'P')).toThrow(expect.objectContaining({ code: 'FORMAT' }));
    expect(() => parsePackages('Package: a\nArchitecture: all\n', 's', 'P')).toThrow(/P:1: stanza has no Version/);
    expect(() => parsePackages('Package: a\nVersion: 1\nArchitecture: all\nDepends: b (>= \n', 's', 'P')[0].depends).toThrow(/P:1: a Depends/);
  });

  it('refuses a line over 1 MiB with LIMIT', () => {
    const big = `Package: a\nVersion: 1\nArchitecture: all\nDescription: ${'x'.repeat((1 << 20) + 1)}\n`;
    expect(() => parsePackages(big, 's')).toThrow(expect.objectContaining({ code: 'LIMIT' }));
    const wrapped = `Package: a\nVersion: 1\nArchitecture: all\nDepends: ${Array.from({ length: 1100 }, () => ' b'.repeat(500)).join(',\n')}\n`;
    expect(() => parsePackages(wrapped, 's')).toThrow(expect.objectContaining({ code: 'LIMIT' }));
  });

  it('tolerates CRLF and comments between stanzas', () => {
    const p = parsePackages('# comment\r\nPackage: a\r\nVersion: 1\r\nArchitecture: all\r\n\r\nPackage: b\r\nVersion: 2\r\nArchitecture: all\r\n', 's');
    expect(p.map((x) => `${x.name}=${x.version}`)).toEqual(['a=1', 'b=2']);
  });
});

/** Everything a package exposes, for comparing two parses. */
function view(p: AptPackage) {
  const { name, version, arch, multiArch, essential, important, priority, filename, size, sha256, srcName, srcVersion, source, file, line } = p;
  const rel = [p.preDepends, p.depends, p.conflicts, p.breaks, p.recommends, p.suggests, p.replaces, p.enhances, p.provides];
  const names: string[] = [];
  forEachRelationName(p, (n, q, prov) => names.push(`${prov ? '+' : ''}${n}:${q}`));
  return { name, version, arch, multiArch, essential, important, protected: p.protected, priority, filename, size, sha256, srcName, srcVersion, source, file, line, rel, names };
}

const MIXED = `# a comment before the first stanza\n${PKGS}\nPackage: c\r\nVersion: 1\r\nArchitecture: all\r\nDepends: a,\r\n b\r\n\r\n\n\nPackage: d\nVersion: 2:1.0~rc1\nArchitecture: amd64\nMulti-Arch: same\nBreaks: c (<< 1)\nEnhances: e\nSuggests: f\nReplaces: g\nDepends:\n`;

describe('PackagesParser (streamed)', () => {
  it('gives the same packages, lines and fields as parsePackages, however the bytes are split', () => {
    // Also ending on an empty line, so the last push leaves nothing held.
    for (const text of [MIXED, `${MIXED}\n`, `${MIXED}\r\n\r\n`]) {
      const whole = parsePackages(text, 's', 'P').map(view);
      const bytes = Buffer.from(text, 'latin1');
      for (const step of [1, 2, 3, 7, 64, bytes.length]) {
        for (const piece of [1, 16, 1 << 20]) {
          const p = new PackagesParser('s', 'P', piece);
          for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
          expect(p.end().map(view), `step ${step}, piece ${piece}`).toEqual(whole);
        }
      }
    }
  });

  it('reports the same errors with the same lines', () => {
    for (const bad of ['Package: a\nVersion: 1\nArchitecture: all\n\nPackage b\n', 'Package: a\nVersion: 1\nArchitecture: all\n\n continuation\n', 'Package: a\nVersion: 1\nArchitecture: all\n\nPackage: b\nArchitecture: all\n']) {
      let expected = '';
      try {
        parsePackages(bad, 's', 'P');
      } catch (e) {
        expected = (e as Error).message;
      }
      expect(expected).not.toBe('');
      for (const step of [1, 5, 1000]) {
        const p = new PackagesParser('s', 'P', 4);
        expect(() => {
          for (let i = 0; i < bad.length; i += step) p.push(Buffer.from(bad.slice(i, i + step), 'latin1'));
          p.end();
        }).toThrow(expected);
      }
    }
  });
});

describe('compactIndex / parseCompact', () => {
  it('round-trips every field, original line numbers included', () => {
    const pkgs = parsePackages(MIXED, 's', 'P');
    const c = compactIndex(pkgs)!;
    const back = parseCompact(c.resolve, c.more, c.starts, c.lines, 's', 'P');
    expect(back.map(view)).toEqual(pkgs.map(view));
    expect(c.resolve.toString('latin1')).not.toContain('Description');
  });

  it('refuses a compact form that does not match its header', () => {
    const c = compactIndex(parsePackages(MIXED, 's', 'P'))!;
    expect(() => parseCompact(c.resolve.subarray(c.resolve.indexOf('\n\n') + 2), c.more, c.starts, c.lines, 's', 'P')).toThrow(/does not match/);
  });
});

describe('parseStatus', () => {
  it('keeps only installed stanzas', () => {
    const st = parseStatus(
      'Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n\nPackage: c\nStatus: hold ok installed\nVersion: 2\nArchitecture: all\n',
    );
    expect(st.map((p) => p.name)).toEqual(['a', 'c']);
    expect(st[0].filename).toBeUndefined();
  });

  it('reads a status file with characters beyond latin1 (read as UTF-8) field for field', () => {
    const st = parseStatus('Package: a\nStatus: install ok installed\nMaintainer: Jörg ☃ <j@x>\nDescription: snow ☃☃☃\n more ☃\nVersion: 1\nArchitecture: amd64\nDepends: b (>= 1) | c\nProvides: ☃-virtual\n');
    expect(st.map((p) => [p.name, p.version, p.arch])).toEqual([['a', '1', 'amd64']]);
    expect(st[0].depends).toEqual(parsePackages('Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b (>= 1) | c\n', 's')[0].depends);
    expect(st[0].provides.map((r) => r.name)).toEqual(['☃-virtual']);
  });
});

// The real bookworm index, when the live oracle test has cached one (see oracle.live.test.ts). Its
// speed is the apt benchmark's business (bench/apt.bench.ts); here only that it parses whole, and
// that the UTF-8 text of a status file reads back the same as the latin1 bytes of an index.
const liveCache = join(tmpdir(), 'repro-get-apt-live');
const cached = existsSync(liveCache) ? readdirSync(liveCache).find((f) => f.endsWith('.Packages')) : undefined;
describe.runIf(cached)('the real bookworm index', () => {
  it('parses all 63,000 stanzas, streamed or whole', () => {
    const bytes = readFileSync(join(liveCache, cached!));
    const whole = parsePackages(bytes.toString('latin1'), 'bookworm');
    expect(whole.length).toBeGreaterThan(60000);
    const p = new PackagesParser('bookworm');
    for (let i = 0; i < bytes.length; i += 9000) p.push(bytes.subarray(i, i + 9000));
    const streamed = p.end();
    expect(streamed.length).toBe(whole.length);
    for (const i of [0, 1, 1000, whole.length - 1]) expect(view(streamed[i])).toEqual(view(whole[i]));
  });
});

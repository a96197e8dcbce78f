import { describe, expect, it } from 'vitest';
import { normalizeSnapshot, parsePackageRequest, parseSpec, specDigest } from '../../src/core/spec.js';

describe('spec', () => {
  it('parses a full spec with defaults', () => {
    const s = parseSpec(
      ['distro: debian:bookworm', 'snapshot: 20250520T000000Z', 'architectures: [amd64, arm64]', 'mirrors:', '  - http://m.example/debian', '  - debian-security=http://m.example/debian-security', 'packages:', '  - curl', "  - 'ca-certificates=20230311'", '  - libc6:arm64', '  - foo:amd64=1:2.3-4'].join('\n'),
      '/p/repro-get.yaml',
    );
    expect(s.snapshot).toBe('2025-05-20T00:00:00Z');
    expect(s.architectures).toEqual(['amd64', 'arm64']);
    expect(s.mirrors).toEqual([{ archive: undefined, url: 'http://m.example/debian/' }, { archive: 'debian-security', url: 'http://m.example/debian-security/' }]);
    expect(s.packages.map((p) => [p.name, p.arch, p.version])).toEqual([
      ['curl', undefined, undefined],
      ['ca-certificates', undefined, '20230311'],
      ['libc6', 'arm64', undefined],
      ['foo', 'amd64', '1:2.3-4'],
    ]);
    expect(s.installRecommends).toBeUndefined();
  });

  it.each([
    ['distro: debian:bookworm\npackages: []\n', /repro-get\.yaml:2: packages: at least one package/],
    ['distro: debian:bookworm\npackages:\n  - curl\n  - "bad name!"\n', /repro-get\.yaml:4: "bad name!" is not a package name/],
    ['distro: debian:bookworm\nsnapshot: yesterday\npackages: [curl]\n', /repro-get\.yaml:2: snapshot "yesterday" is not a time/],
    ['distro: debian:bookworm\npackages: [curl]\nsuites: bookworm\n', /repro-get\.yaml:3: suites: /],
    ['distro: debian:bookworm\npackages: [curl]\ntypo: 1\n', /Unrecognized key.*typo|typo/],
    ['packages: [curl]\n', /distro/],
    ['distro: debian:bookworm\n  packages: [curl]\n', /repro-get\.yaml:\d+:\d+: not valid YAML/],
  ])('reports %j with file:line and what was expected', (text, re) => {
    expect(() => parseSpec(text, 'repro-get.yaml')).toThrow(re);
  });

  it('normalizes snapshot forms', () => {
    expect(normalizeSnapshot('20250520T000000Z')).toBe('2025-05-20T00:00:00Z');
    expect(normalizeSnapshot('2024-05-01')).toBe('2024-05-01T00:00:00Z');
    expect(normalizeSnapshot('2025-05-20T01:02:03Z')).toBe('2025-05-20T01:02:03Z');
    expect(normalizeSnapshot('2025-05-20 01:02')).toBeUndefined();
  });

  it('package requests keep epochs in versions', () => {
    expect(parsePackageRequest('a=1:2')).toMatchObject({ name: 'a', version: '1:2' });
    expect(parsePackageRequest('a:i386')).toMatchObject({ name: 'a', arch: 'i386' });
    expect(typeof parsePackageRequest('a=')).toBe('string');
  });

  it('digest ignores layout and comments but not content', async () => {
    const a = parseSpec('distro: debian:bookworm\npackages: [curl, jq]\n', '/x/a.yaml');
    const b = parseSpec('# comment\ndistro: "debian:bookworm"\npackages:\n  - curl\n  - jq\n', '/y/b.yaml');
    const c = parseSpec('distro: debian:bookworm\npackages: [jq, curl]\n', '/x/c.yaml');
    expect(await specDigest(a)).toBe(await specDigest(b));
    expect(await specDigest(a)).not.toBe(await specDigest(c));
  });
});

describe('package requests for every family', () => {
  it('keeps apk virtual names such as so:libc.musl-x86_64.so.1 whole', () => {
    expect(parsePackageRequest('so:libc.musl-x86_64.so.1')).toMatchObject({ name: 'so', arch: 'libc.musl-x86_64.so.1' });
    expect(typeof parsePackageRequest('a:b c')).toBe('string');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { parseRepomd } from '../../../src/families/dnf/repomd.js';

const REAL = '../shared/real-metadata/fedora';
const read = (p: string) => readFileSync(`${REAL}/${p}`, 'utf8');

function expectFormat(xml: string, re: RegExp): void {
  let err: unknown;
  try {
    parseRepomd(xml, 'repomd.xml');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ReproError);
  expect((err as ReproError).code).toBe('FORMAT');
  expect((err as ReproError).message).toMatch(re);
}

describe('repomd.xml', () => {
  it('reads the real CentOS Stream 9 AppStream repomd', () => {
    const r = parseRepomd(read('cs9-appstream-x86_64/repodata/repomd.xml'), 'repomd.xml');
    expect(r.revision).toBe('9-stream');
    expect(r.files.get('primary')).toEqual({
      type: 'primary',
      location: 'repodata/c03bb2ebc33bbee3046da091b45d90717273a43d3641a9d84e6eede05637bc8a-primary.xml.gz',
      sha256: 'c03bb2ebc33bbee3046da091b45d90717273a43d3641a9d84e6eede05637bc8a',
      size: 3597627,
      open: { sha256: 'a1df0d610cd466c0ff1638782c5a1427b19a01bcde147105e9a07f87669f038a', size: 51840420 },
      timestamp: 1736761560,
    });
    expect(r.files.get('group')?.open).toBeUndefined(); // uncompressed: no open-checksum
    expect(r.date).toBe('2025-01-13T09:46:20Z'); // newest timestamp (primary_db)
  });

  it('reads the Fedora 32, CentOS BaseOS and self-built repomd files', () => {
    expect(parseRepomd(read('fedora32-everything-x86_64/repodata/repomd.xml'), 'f32').files.get('primary')?.open?.size).toBe(131806565);
    expect(parseRepomd(read('cs9-baseos-x86_64/repodata/repomd.xml'), 'baseos').files.get('primary')?.size).toBe(6561934);
    const el9 = parseRepomd(read('el9-selfbuilt/repodata/repomd.xml'), 'el9');
    expect(el9.files.get('primary')?.sha256).toBe('7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc');
    expect(el9.date).toBe('2024-02-17T13:42:00Z');
  });

  const one = (inner: string) => `<?xml version="1.0"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo">\n<data type="primary">${inner}</data>\n</repomd>`;
  const good = `<checksum type="sha256">${'a'.repeat(64)}</checksum><location href="repodata/p.xml.gz"/><size>10</size>`;

  it('skips files whose checksum is not sha256', () => {
    expect(parseRepomd(one(good.replace('sha256', 'sha1')), 'r').files.size).toBe(0);
    expect(parseRepomd(one(good), 'r').files.get('primary')?.size).toBe(10);
  });

  it('refuses malformed or hostile repomd files', () => {
    expectFormat('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]><repomd/>', /DOCTYPE/);
    expectFormat('<repomd><data type="primary">\n<size>1</data></repomd>', /^repomd\.xml:2: not well-formed/);
    expectFormat('<notrepomd/>', /no <repomd> root/);
    expectFormat(one(good.replace('repodata/p.xml.gz', '../../p.xml.gz')), /not a safe relative path/);
    expectFormat(one(good.replace('<size>10</size>', '<size>ten</size>')), /is not a number/);
    expectFormat(one(good.replace(/<location[^>]*>/, '')), /lacks a location/);
    expectFormat(`<repomd><data type="primary">${good}</data><data type="primary">${good}</data></repomd>`, /two <data type="primary">/);
  });
});

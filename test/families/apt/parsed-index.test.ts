/** The parsed-index cache: same packages back, and a damaged or misplaced entry is only a miss. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentCache } from '../../../src/core/net/cache.js';
import { sha256Hex } from '../../../src/core/hash.js';
import { parsePackages, type AptPackage } from '../../../src/families/apt/packages.js';
import { readParsedIndex, writeParsedIndex } from '../../../src/families/apt/parsed-index.js';

const TEXT = `Package: a
Version: 1.0-1
Architecture: amd64
Description: dropped from the compact form
 long text
Multi-Arch: foreign
Depends: b (>= 2) | c:any, d
Provides: e (= 1)
Filename: pool/main/a/a_1.0-1_amd64.deb
Size: 1234
SHA256: ${'ab'.repeat(32)}
Source: a-src (1.0)

Package: b
Version: 2
Architecture: all
Essential: yes
Priority: required
Filename: pool/main/b/b_2_all.deb
Size: 10
SHA256: ${'cd'.repeat(32)}
`;
const KEY = sha256Hex(TEXT);

const view = (p: AptPackage) => ({ name: p.name, version: p.version, arch: p.arch, source: p.source, line: p.line, file: p.file, multiArch: p.multiArch, essential: p.essential, priority: p.priority, depends: p.depends, provides: p.provides, filename: p.filename, size: p.size, sha256: p.sha256, srcName: p.srcName, srcVersion: p.srcVersion });

async function cache(): Promise<ContentCache> {
  return new ContentCache(await mkdtemp(join(tmpdir(), 'rg-parsed-index-')));
}

describe('parsed-index cache', () => {
  it('gives back the same packages, as content-addressed bytes reached through the index digest', async () => {
    const c = await cache();
    const pkgs = parsePackages(TEXT, 'debian/bookworm', 'P');
    expect(await readParsedIndex(c, KEY, 'debian/bookworm', 'P')).toBeUndefined();
    await writeParsedIndex(c, KEY, pkgs);
    const back = await readParsedIndex(c, KEY, 'debian/bookworm', 'P');
    expect(back!.map(view)).toEqual(pkgs.map(view));
    const [entry] = await readdir(join(c.dir, 'sha256'));
    expect(sha256Hex(await readFile(join(c.dir, 'sha256', entry)))).toBe(entry);
  });

  it('treats a damaged entry as a miss (and drops it), and never serves one index for another', async () => {
    const c = await cache();
    await writeParsedIndex(c, KEY, parsePackages(TEXT, 's', 'P'));
    const [entry] = await readdir(join(c.dir, 'sha256'));
    const other = sha256Hex('another index');
    // An alias for another index pointing at this entry: the entry names its own index, so no.
    await c.writeAlias('apt-parsed-index-1', other, entry);
    expect(await readParsedIndex(c, other, 's', 'P')).toBeUndefined();
    const path = join(c.dir, 'sha256', entry);
    const bytes = await readFile(path);
    bytes[bytes.length - 3] ^= 1;
    await writeFile(path, bytes);
    expect(await readParsedIndex(c, KEY, 's', 'P')).toBeUndefined();
    expect(await readdir(join(c.dir, 'sha256'))).toEqual([]);
  });
});
